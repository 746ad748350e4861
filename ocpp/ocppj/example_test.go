package ocppj_test

import (
	"errors"
	"fmt"

	"github.com/ladda-csms/ladda/ocpp/ocppj"
)

func ExampleParse() {
	m, err := ocppj.Parse([]byte(`[2,"19223201","Heartbeat",{}]`))
	fmt.Println(m.Type, m.ID, m.Action, string(m.Payload), err)

	// A malformed CALL: the id could be read, so the answer can name it.
	_, err = ocppj.Parse([]byte(`[2,"19223202","Heartbeat"]`))
	var e *ocppj.Error
	if errors.As(err, &e) {
		fmt.Printf("%s\n", ocppj.AppendError(nil, ocppj.OCPP201, e.ID, e))
		fmt.Printf("%s\n", ocppj.AppendError(nil, ocppj.OCPP16, e.ID, e))
	}
	// Output:
	// CALL 19223201 Heartbeat {} <nil>
	// [4,"19223202","RpcFrameworkError","too few elements: missing payload",{}]
	// [4,"19223202","FormationViolation","too few elements: missing payload",{}]
}
