package handlespace

import (
	"fmt"
	"runtime"
	"testing"
	"unsafe"

	"netcompat/core/rserpool/wire"
)

// typical returns the i-th element of a typical registration as rsplib's
// registrar stores it: one IPv4 user address, an ASAP transport with one
// address, LeastUsed policy information (one value).
func typical(i int) wire.PoolElement {
	a := addrs(fmt.Sprintf("10.%d.%d.%d", i>>16&0xff, i>>8&0xff, i&0xff))
	return wire.PoolElement{
		ID:      uint32(i + 1),
		RegLife: 30000,
		User:    wire.Transport{Kind: wire.ParamSCTPTransport, Port: 7000, Addrs: a},
		Policy:  wire.Policy{Type: 0x40000001, Values: []uint32{uint32(i)}},
		ASAP:    &wire.Transport{Kind: wire.ParamSCTPTransport, Port: 3863, Addrs: a},
	}
}

func heapInUse() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// bytesPerElement fills a handlespace with n typical elements spread over
// pools pools and returns the heap growth per element.
func bytesPerElement(tb testing.TB, n, pools int) float64 {
	elems := make([]wire.PoolElement, n)
	handles := make([][]byte, pools)
	for i := range elems {
		elems[i] = typical(i)
	}
	for i := range handles {
		handles[i] = fmt.Appendf(nil, "pool-%04d", i)
	}
	before := heapInUse()
	h := New(Config{ServerID: self})
	for i := range elems {
		if _, _, c := h.Register(at(int64(i)), handles[i%pools], elems[i], ConnKey(i+1)); c != 0 {
			tb.Fatalf("element %d: cause %#x", i, c)
		}
	}
	after := heapInUse()
	runtime.KeepAlive(h)
	runtime.KeepAlive(elems)
	return float64(after-before) / float64(n)
}

// TestBytesPerElement measures what 100,000 elements cost. go test -v
// prints it.
func TestBytesPerElement(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 100,000 elements")
	}
	const n = 100000
	t.Logf("Member struct: %d bytes", unsafe.Sizeof(Member{}))
	for _, pools := range []int{1, 100, 10000} {
		b := bytesPerElement(t, n, pools)
		t.Logf("%d elements in %d pools: %.0f bytes per element (%.1f MB)", n, pools, b, b*n/1e6)
		if b > 600 {
			t.Errorf("%.0f bytes per element: more than 600", b)
		}
	}
}

func BenchmarkRegister(b *testing.B) {
	elems := make([]wire.PoolElement, 100000)
	for i := range elems {
		elems[i] = typical(i)
	}
	handle := []byte("pool")
	b.ReportAllocs()
	h := New(Config{ServerID: self})
	for i := 0; b.Loop(); i++ {
		k := i % len(elems)
		h.Register(at(int64(i)), handle, elems[k], ConnKey(k+1))
	}
}

// BenchmarkResolveMembers walks a 100,000-element pool as a handle
// resolution's selector would see it.
func BenchmarkResolveMembers(b *testing.B) {
	h := New(Config{ServerID: self})
	for i := range 100000 {
		h.Register(at(0), []byte("pool"), typical(i), ConnKey(i+1))
	}
	b.ReportAllocs()
	var sum uint64
	for b.Loop() {
		for _, m := range h.Pool([]byte("pool")).Members() {
			sum += uint64(m.PE.Policy.Values[0])
		}
	}
	runtime.KeepAlive(sum)
}

func BenchmarkBytesPerElement(b *testing.B) {
	var bpe float64
	for b.Loop() {
		bpe = bytesPerElement(b, 100000, 100)
	}
	b.ReportMetric(bpe, "B/element")
}
