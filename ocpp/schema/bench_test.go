package schema_test

import (
	"os"
	"testing"

	"github.com/ladda-csms/ladda/ocpp/schema"
)

// benchValidate validates the payload in file, which must be valid.
func benchValidate(b *testing.B, version, action string, response bool, file string) {
	v := MustValidator(b)
	payload, err := os.ReadFile(file)
	if err != nil {
		b.Fatal(err)
	}
	if err := v.Validate(version, action, response, payload); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		if err := v.Validate(version, action, response, payload); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidateMeterValues: 1.6 with 5 sampled values (energy, power, a
// current, a voltage, SoC), 1.6 with 12 (a three-phase meter), 2.0.1 with 2.
func BenchmarkValidateMeterValues(b *testing.B) {
	b.Run("1.6", func(b *testing.B) {
		benchValidate(b, "1.6", "MeterValues", false, "../v16/testdata/MeterValuesRequest.json")
	})
	b.Run("1.6/large", func(b *testing.B) {
		benchValidate(b, "1.6", "MeterValues", false, "testdata/MeterValuesLarge16.json")
	})
	b.Run("2.0.1", func(b *testing.B) {
		benchValidate(b, "2.0.1", "MeterValues", false, "../v201/testdata/MeterValuesRequest.json")
	})
}

func BenchmarkValidateBootNotification(b *testing.B) {
	b.Run("1.6", func(b *testing.B) {
		benchValidate(b, "1.6", "BootNotification", false, "../v16/testdata/BootNotificationRequest.json")
	})
	b.Run("1.6/response", func(b *testing.B) {
		benchValidate(b, "1.6", "BootNotification", true, "../v16/testdata/BootNotificationResponse.json")
	})
	b.Run("2.0.1", func(b *testing.B) {
		benchValidate(b, "2.0.1", "BootNotification", false, "../v201/testdata/BootNotificationRequest.json")
	})
}

func BenchmarkValidateStatusNotification(b *testing.B) {
	b.Run("1.6", func(b *testing.B) {
		benchValidate(b, "1.6", "StatusNotification", false, "../v16/testdata/StatusNotificationRequest.json")
	})
	b.Run("2.0.1", func(b *testing.B) {
		benchValidate(b, "2.0.1", "StatusNotification", false, "../v201/testdata/StatusNotificationRequest.json")
	})
}

func BenchmarkValidateHeartbeat(b *testing.B) {
	benchValidate(b, "1.6", "Heartbeat", false, "../v16/testdata/HeartbeatRequest.json")
}

// BenchmarkValidateTransactionEvent: a 2.0.1 Started event with an ID token
// and three sampled values, one of them signed.
func BenchmarkValidateTransactionEvent(b *testing.B) {
	benchValidate(b, "2.0.1", "TransactionEvent", false, "../v201/testdata/TransactionEventRequest.json")
}

// BenchmarkValidateInvalid measures the error path: a StatusNotification with
// a wrong enumeration value.
func BenchmarkValidateInvalid(b *testing.B) {
	v := MustValidator(b)
	payload := []byte(`{"connectorId": 1, "errorCode": "NoError", "status": "Broken", "timestamp": "2024-05-06T07:00:01Z"}`)
	b.ReportAllocs()
	for b.Loop() {
		if v.Validate("1.6", "StatusNotification", false, payload) == nil {
			b.Fatal("valid")
		}
	}
}

// BenchmarkNew measures compiling every schema of both versions.
func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := schema.New(); err != nil {
			b.Fatal(err)
		}
	}
}
