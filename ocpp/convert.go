package ocpp

import (
	"math"
	"strconv"

	"github.com/ladda-csms/ladda/charging"
	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
)

// samples16 converts 1.6 meter values into normalised samples. Signed values (format
// SignedData) carry no number to store and are skipped; so is a value that is not a finite number,
// with the count returned for logging.
func samples16(mvs []v16.MeterValue) (out []charging.Sample, skipped int) {
	for _, mv := range mvs {
		for _, sv := range mv.SampledValue {
			if sv.Format == v16.ValueFormatSignedData {
				skipped++
				continue
			}
			f, err := strconv.ParseFloat(sv.Value, 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				skipped++
				continue
			}
			measurand := string(sv.Measurand)
			if measurand == "" {
				measurand = charging.MeasurandEnergyImport
			}
			value, unit := normalize(f, string(sv.Unit), 0)
			out = append(out, charging.Sample{
				Time:      mv.Timestamp.UTC(),
				Measurand: measurand,
				Phase:     string(sv.Phase),
				Location:  string(sv.Location),
				Context:   string(sv.Context),
				Unit:      unit,
				Value:     value,
			})
		}
	}
	return out, skipped
}

// samples201 converts 2.0.1 meter values into normalised samples.
func samples201(mvs []v201.MeterValue) []charging.Sample {
	var out []charging.Sample
	for _, mv := range mvs {
		for _, sv := range mv.SampledValue {
			measurand := string(sv.Measurand)
			if measurand == "" {
				measurand = charging.MeasurandEnergyImport
			}
			var unit string
			var multiplier int
			if u := sv.UnitOfMeasure; u != nil {
				unit = u.Unit
				if u.Multiplier != nil {
					multiplier = *u.Multiplier
				}
			}
			value, unit := normalize(sv.Value, unit, multiplier)
			out = append(out, charging.Sample{
				Time:      mv.Timestamp.UTC(),
				Measurand: measurand,
				Phase:     string(sv.Phase),
				Location:  string(sv.Location),
				Context:   string(sv.Context),
				Unit:      unit,
				Value:     value,
			})
		}
	}
	return out
}

// idTagInfo16 is the 1.6 form of an authorisation answer. The parent id tag is left out when it
// is longer than 1.6 allows (20 characters).
func idTagInfo16(info charging.AuthInfo) v16.IDTagInfo {
	out := v16.IDTagInfo{Status: v16.AuthorizationStatus(info.Status), ExpiryDate: info.ExpiresAt}
	if len(info.GroupID) <= 20 {
		out.ParentIDTag = info.GroupID
	}
	return out
}

// idTokenInfo201 is the 2.0.1 form of an authorisation answer. An unknown token is "Unknown"
// in 2.0.1 (1.6 says Invalid).
func idTokenInfo201(info charging.AuthInfo) v201.IDTokenInfo {
	out := v201.IDTokenInfo{Status: v201.AuthorizationStatus(info.Status), CacheExpiryDateTime: info.ExpiresAt}
	if info.Unknown {
		out.Status = v201.AuthorizationStatusUnknown
	}
	if info.GroupID != "" {
		out.GroupIDToken = &v201.IDToken{IDToken: info.GroupID, Type: v201.IDTokenEnumCentral}
	}
	return out
}
