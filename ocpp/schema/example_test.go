package schema_test

import (
	"errors"
	"fmt"

	"github.com/ladda-csms/ladda/ocpp/schema"
)

func ExampleValidator_Validate() {
	v, err := schema.New()
	if err != nil {
		panic(err)
	}
	payload := []byte(`{"connectorId": 1, "errorCode": "NoError"}`)
	err = v.Validate("1.6", "StatusNotification", false, payload)

	var violation *schema.Violation
	if errors.As(err, &violation) {
		fmt.Println(violation.Kind, violation.Path, violation.Message)
	}
	// Output: Occurrence /status status: required
}
