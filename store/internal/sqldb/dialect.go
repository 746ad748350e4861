package sqldb

import (
	"fmt"
	"time"
)

// Dialect is what differs between engines beyond the text of their SQL.
type Dialect struct {
	// Name names the engine in errors: "sqlite" or "postgres".
	Name string
	// Time encodes a time parameter. It receives a UTC time truncated to microseconds.
	Time func(t time.Time) any
}

// TextTime is the time encoding of engines that keep times as text: RFC 3339 in UTC with
// exactly six fractional digits, so that text order is time order.
const TextTime = "2006-01-02T15:04:05.000000Z"

// EncodeTextTime is a Dialect.Time for engines that store times as TextTime text.
func EncodeTextTime(t time.Time) any { return t.Format(TextTime) }

// EncodeNativeTime is a Dialect.Time for engines with a native timestamp type.
func EncodeNativeTime(t time.Time) any { return t }

// norm is the form in which times are stored and returned: UTC, microsecond precision.
func norm(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func (d Dialect) time(t time.Time) any { return d.Time(norm(t)) }

func (d Dialect) nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return d.Time(norm(*t))
}

// nullTime scans a time column, NULL or not, stored natively or as TextTime text.
type nullTime struct {
	T     time.Time
	Valid bool
}

func (n *nullTime) Scan(src any) error {
	n.T, n.Valid = time.Time{}, src != nil
	switch v := src.(type) {
	case nil:
		return nil
	case time.Time:
		n.T = norm(v)
		return nil
	case string:
		return n.parse(v)
	case []byte:
		return n.parse(string(v))
	}
	return fmt.Errorf("sqldb: cannot scan %T into a time", src)
}

func (n *nullTime) parse(s string) error {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("sqldb: bad time %q: %w", s, err)
	}
	n.T = norm(t)
	return nil
}

// ptr returns the time, or nil when NULL.
func (n nullTime) ptr() *time.Time {
	if !n.Valid {
		return nil
	}
	t := n.T
	return &t
}

// nullFloat converts an optional float for a parameter.
func nullFloat(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

// nullInt converts an optional int for a parameter.
func nullInt(i *int) any {
	if i == nil {
		return nil
	}
	return int64(*i)
}

// nullString is a parameter that is NULL when s is nil.
func nullString[S ~string](s *S) any {
	if s == nil {
		return nil
	}
	return string(*s)
}

// nullBytes stores an empty byte slice as NULL.
func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}
