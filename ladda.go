// Package ladda holds the vocabulary every other package of Ladda shares: identifiers,
// the Error type with its kinds, events and the clock. It imports only the standard library
// and contains no behaviour beyond these small types.
//
// Ladda is a charging station management system (CSMS): charging stations connect over OCPP,
// people and programs use it through an HTTP API. The domain packages (station, charging,
// account) hold the rules; adapters (store/…, gateway, httpapi, bus) connect them to the world;
// cmd/ladda wires everything together.
package ladda

// StationID identifies a charging station. It is the last path segment of the station's OCPP
// WebSocket URL and the basic-auth user name of security profile 1 and 2, and the common name
// of its client certificate in profile 3. OCPP allows at most 48 characters (2.0.1
// identityString); Ladda accepts printable ASCII without '/' or spaces, see ValidStationID.
type StationID string

// ValidStationID reports whether id can be used as a station identity.
func ValidStationID(id string) bool {
	if len(id) == 0 || len(id) > 48 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c <= ' ' || c > '~' || c == '/' || c == '?' || c == '#' || c == '%' {
			return false
		}
	}
	return true
}

// TransactionID identifies a charging transaction inside Ladda. OCPP 1.6 transaction ids are
// assigned by Ladda and equal this number; OCPP 2.0.1 ids are chosen by the station and kept
// beside it (Transaction.StationTxID in package charging).
type TransactionID int64
