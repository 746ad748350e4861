package httpapi

import (
	"encoding/json"
	"reflect"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

// listOutput is the output of a list handler.
type listOutput[T any] struct {
	Body List[T]
}

// List is the body of every list: one page of items and the cursor of the next page.
type List[T any] struct {
	Items []T    `json:"items" nullable:"false" doc:"One page of results."`
	Next  string `json:"next" doc:"Cursor of the next page, to pass as the list's cursor parameter; empty on the last page."`
}

// Limits of a page.
const (
	defaultLimit = 100
	maxLimit     = 500
)

// page cuts a result fetched with limit+1 rows down to limit and returns the cursor of the next
// page, taken from the last item kept, or "" when there is no further page.
func page[T any](items []T, limit int, cursor func(T) string) ([]T, string) {
	if len(items) <= limit {
		return items, ""
	}
	items = items[:limit]
	return items, cursor(items[limit-1])
}

// optional is a query parameter that may be absent, such as a boolean filter where false and
// "not given" mean different things.
type optional[T any] struct {
	Value T
	Set   bool
}

// Schema describes the parameter as its value type.
func (o optional[T]) Schema(r huma.Registry) *huma.Schema {
	return huma.SchemaFromType(r, reflect.TypeFor[T]())
}

// Receiver gives huma the field to parse the parameter into.
func (o *optional[T]) Receiver() reflect.Value { return reflect.ValueOf(o).Elem().Field(0) }

// OnParamSet records whether the parameter was given.
func (o *optional[T]) OnParamSet(isSet bool, _ any) { o.Set = isSet }

// ptr returns a pointer to the value, or nil when the parameter was absent.
func (o optional[T]) ptr() *T {
	if !o.Set {
		return nil
	}
	v := o.Value
	return &v
}

// patch is a field of a PATCH body. It tells three cases apart: absent (leave the value as it
// is), null, and a value. null is refused (422, see refuseNulls) unless the field is tagged
// nullable:"true", which is also what the OpenAPI document says.
type patch[T any] struct {
	Value T
	Set   bool // the field was in the body
	Null  bool // it was null
}

// UnmarshalJSON is called only for fields present in the body, null included.
func (p *patch[T]) UnmarshalJSON(b []byte) error {
	p.Set = true
	if string(b) == "null" {
		p.Null = true
		return nil
	}
	return json.Unmarshal(b, &p.Value)
}

// Schema describes the field as its value type; tags add the constraints.
func (patch[T]) Schema(r huma.Registry) *huma.Schema {
	return huma.SchemaFromType(r, reflect.TypeFor[T]())
}

// ptr returns a pointer to the value, or nil when the field was absent or null.
func (p patch[T]) ptr() *T {
	if !p.Set || p.Null {
		return nil
	}
	v := p.Value
	return &v
}

func (p patch[T]) isNull() bool { return p.Null }

// refuseNulls answers 422 for each null in body, a PATCH body struct, that is not in a field
// tagged nullable:"true". huma itself treats a null like an absent optional field, so without
// this check {"description": null} would silently change nothing.
func refuseNulls(body any) error {
	v := reflect.ValueOf(body)
	var errs []error
	for i := range v.NumField() {
		f := v.Type().Field(i)
		p, ok := v.Field(i).Interface().(interface{ isNull() bool })
		if !ok || !p.isNull() || f.Tag.Get("nullable") == "true" {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		errs = append(errs, &huma.ErrorDetail{Message: "expected a value, not null", Location: "body." + name})
	}
	if errs != nil {
		return huma.Error422UnprocessableEntity("validation failed", errs...)
	}
	return nil
}

// utc returns t in UTC, or nil for the zero time.
func utc(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// utcPtr returns *t in UTC, or nil.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	return utc(*t)
}
