package driver

// PageRequest selects one page of a list. Number is 1-based; Size is at
// least 1. Services validate both before calling a store.
type PageRequest struct {
	Number int
	Size   int
}

// Offset is the number of records before the page.
func (p PageRequest) Offset() int { return (p.Number - 1) * p.Size }
