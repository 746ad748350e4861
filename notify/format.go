package notify

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// locale holds how one language writes numbers, times and durations.
type locale struct {
	decimal    string // decimal separator
	group      string // thousands separator
	groupFrom  int    // group integer parts of at least this many digits
	hour       string // short unit in durations: "h", "tim"
	day, days  string
	hr, hrs    string
	min, mins  string
	sec, secs  string
	dateLayout string
}

var locales = map[string]locale{
	"en": {
		decimal: ".", group: ",", groupFrom: 4, hour: "h",
		day: "day", days: "days", hr: "hour", hrs: "hours", min: "minute", mins: "minutes", sec: "second", secs: "seconds",
		dateLayout: "2006-01-02 15:04 MST",
	},
	// Swedish: decimal comma, a (non-breaking) space between thousands from five digits on,
	// as Språkrådet recommends, and 24-hour ISO dates.
	"sv": {
		decimal: ",", group: "\u00a0", groupFrom: 5, hour: "tim",
		day: "dag", days: "dagar", hr: "timme", hrs: "timmar", min: "minut", mins: "minuter", sec: "sekund", secs: "sekunder",
		dateLayout: "2006-01-02 15:04 MST",
	},
}

// number formats v with at most two decimals, trailing zeros dropped: en "1,234.5",
// sv "1234,5", "12 345,25".
func (l locale) number(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	s := strconv.FormatFloat(math.Abs(v), 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	whole, frac, _ := strings.Cut(s, ".")
	if len(whole) >= l.groupFrom {
		var b strings.Builder
		for i, c := range whole {
			if i > 0 && (len(whole)-i)%3 == 0 {
				b.WriteString(l.group)
			}
			b.WriteRune(c)
		}
		whole = b.String()
	}
	if frac != "" {
		whole += l.decimal + frac
	}
	if v < 0 && s != "0" {
		whole = "-" + whole
	}
	return whole
}

// kwh formats an energy: "12.5 kWh", "12,5 kWh".
func (l locale) kwh(v float64) string { return l.number(v) + " kWh" }

// datetime formats t in its own time zone, 24-hour: "2026-03-01 14:05 CET". The zero time
// is "".
func (l locale) datetime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(l.dateLayout)
}

// duration formats a length of time compactly, to the minute from one minute on:
// "1 h 5 min", "45 min", "30 s" (sv "1 tim 5 min"). Zero or less is "".
func (l locale) duration(d time.Duration) string {
	switch {
	case d <= 0:
		return ""
	case d < time.Minute:
		return strconv.Itoa(int(d.Round(time.Second)/time.Second)) + " s"
	}
	d = d.Round(time.Minute)
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case h == 0:
		return strconv.Itoa(m) + " min"
	case m == 0:
		return strconv.Itoa(h) + " " + l.hour
	}
	return strconv.Itoa(h) + " " + l.hour + " " + strconv.Itoa(m) + " min"
}

// period spells out a validity period in the largest unit that divides it, days only from two
// days on: "24 hours", "2 days", "90 minutes" (sv "24 timmar"). Zero or less is "".
func (l locale) period(d time.Duration) string {
	unit := func(n int64, one, many string) string {
		if n == 1 {
			return "1 " + one
		}
		return strconv.FormatInt(n, 10) + " " + many
	}
	const day = 24 * time.Hour
	switch {
	case d <= 0:
		return ""
	case d >= 2*day && d%day == 0:
		return unit(int64(d/day), l.day, l.days)
	case d%time.Hour == 0:
		return unit(int64(d/time.Hour), l.hr, l.hrs)
	case d >= time.Minute:
		return unit(int64(d.Round(time.Minute)/time.Minute), l.min, l.mins)
	}
	return unit(int64(d.Round(time.Second)/time.Second), l.sec, l.secs)
}

// funcs returns the template functions of l.
func (l locale) funcs() map[string]any {
	return map[string]any{
		"number":   l.number,
		"kwh":      l.kwh,
		"datetime": l.datetime,
		"duration": l.duration,
		"period":   l.period,
	}
}
