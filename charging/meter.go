package charging

// MeasurandEnergyImport is the measurand of the energy register, and the default measurand of
// a sample that names none (both OCPP versions).
const MeasurandEnergyImport = "Energy.Active.Import.Register"

// RegisterWh picks the energy register reading from samples: the latest sample of
// Energy.Active.Import.Register measured at the outlet (or with no location). A total (no
// phase) is preferred; with only per-phase values, the phases of the latest time are summed.
// It returns nil when the samples hold no such reading.
func RegisterWh(samples []Sample) *float64 {
	var (
		total, phases   float64
		haveTotal       bool
		totalT, phasesT int64
		havePhases      bool
	)
	for _, s := range samples {
		if s.Measurand != MeasurandEnergyImport || (s.Location != "" && s.Location != "Outlet") {
			continue
		}
		t := s.Time.UnixNano()
		switch {
		case s.Phase == "":
			if !haveTotal || t >= totalT {
				total, totalT, haveTotal = s.Value, t, true
			}
		case s.Phase == "L1" || s.Phase == "L2" || s.Phase == "L3":
			switch {
			case !havePhases || t > phasesT:
				phases, phasesT, havePhases = s.Value, t, true
			case t == phasesT:
				phases += s.Value
			}
		}
	}
	switch {
	case haveTotal:
		return &total
	case havePhases:
		return &phases
	}
	return nil
}
