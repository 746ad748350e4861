// Package billing turns charging sessions into money. For now it holds tariffs and the pure
// pricing engine; charge detail records, VAT, invoices and payments come later and build on it.
//
// Tariffs follow OCPI 2.2.1. A Tariff is an ordered list of Elements; each Element has price
// Components (ENERGY per kWh, FLAT per session, TIME per hour of charging, PARKING_TIME per hour
// of being connected without charging) and Restrictions that say when it applies.
//
// The rules of pricing, as applied by Price:
//
//   - A session is cut into slices at every period boundary and at every instant a restriction
//     could change: local midnight, each element's StartTime and EndTime, time-zone (DST)
//     transitions, the kWh, duration and parking thresholds, and the start of every point of
//     the price schedules the tariff follows and the end of each one's last point. Within a
//     period, energy is delivered at a constant rate, so a threshold may fall between two
//     nanoseconds.
//   - For each slice and each dimension, the first element (in tariff order) whose restrictions
//     all match at the start of the slice and that has a component of that dimension's type
//     prices the slice. A slice no element prices is free in that dimension.
//   - ENERGY prices the energy of the slice, TIME the duration of charging slices, PARKING_TIME
//     the duration of slices that are not charging. FLAT is charged once per session, by the
//     first element with a FLAT component that matches any slice, in time order.
//   - An ENERGY component with a Schedule follows a PriceSchedule, such as hourly spot prices.
//     Its price per kWh in a slice is the schedule's price at the start of the slice, times
//     1 + MarkupPercent/100, plus Markup, raised to Floor and lowered to Cap; in a slice the
//     schedule does not cover, it is the component's Price as it is. That price is exact,
//     never rounded, and may be negative without a Floor. Lines merge by unit price as any others: an hourly
//     schedule gives one line per distinct hourly price. The session carries the schedules.
//   - Step sizes apply to the total of a dimension at the end of the session: the total is
//     rounded up to a multiple of the step size of the last component used for that dimension,
//     and the extra is charged at the unit price that component was last used at.
//   - Amounts are exact until the end; only Bill.Total is rounded, half away from zero, to the
//     currency's minor unit. MinPrice and MaxPrice bound the exact total; the difference is an
//     Adjustment line.
//   - All prices exclude tax.
package billing
