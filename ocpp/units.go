package ocpp

import "math"

// normalize converts a measured value to the base unit Ladda stores: kWh → Wh, kW → W,
// kvarh → varh, kvar → var, kVA → VA. multiplier is the 2.0.1 unitOfMeasure multiplier, a
// power of ten (0 in 1.6). An empty unit is Wh, the default unit of both versions.
func normalize(value float64, unit string, multiplier int) (float64, string) {
	switch {
	case multiplier > 0:
		value *= math.Pow10(multiplier)
	case multiplier < 0:
		value /= math.Pow10(-multiplier) // dividing by an exact power of ten keeps 1500e-1 == 150
	}
	switch unit {
	case "", "Wh":
		return value, "Wh"
	case "kWh":
		return value * 1000, "Wh"
	case "kW":
		return value * 1000, "W"
	case "kvarh":
		return value * 1000, "varh"
	case "kvar":
		return value * 1000, "var"
	case "kVA":
		return value * 1000, "VA"
	}
	return value, unit
}
