package asapload

import (
	"fmt"

	"netcompat/core/rserpool/wire"
)

// Resolves reports whether m, a Handle Resolution Response, holds
// element id: how the propagation benchmarks tell that a registrar has
// learnt an element.
func Resolves(m []byte, id uint32) (bool, error) {
	msg, err := wire.ParseASAP(m)
	if err != nil {
		return false, err
	}
	r, ok := msg.(*wire.HandleResolutionResponse)
	if !ok {
		return false, fmt.Errorf("not a handle resolution response: %T", msg)
	}
	for i := range r.Elements {
		if r.Elements[i].ID == id {
			return true, nil
		}
	}
	return false, nil
}
