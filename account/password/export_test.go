package password

// Occupy takes every turn of h until the returned function is called, so tests can see what
// waiting callers do.
func (h *Hasher) Occupy() (release func()) {
	for range cap(h.sem) {
		h.sem <- struct{}{}
	}
	return func() {
		for range cap(h.sem) {
			<-h.sem
		}
	}
}

// CommonList exposes the embedded list.
var CommonList = commonList
