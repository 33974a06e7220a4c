package policy

// orderKey orders the members of an ordered policy: lowest first, by k1,
// then k2, then seq (the round-robin tie-break; unique within a pool).
type orderKey struct {
	k1, k2, seq uint64
}

func (a orderKey) less(b orderKey) bool {
	if a.k1 != b.k1 {
		return a.k1 < b.k1
	}
	if a.k2 != b.k2 {
		return a.k2 < b.k2
	}
	return a.seq < b.seq
}

type heapEntry struct {
	key orderKey
	m   int32 // member index
}

// orderHeap is a binary min-heap of members by key that knows where each
// member sits, so a member's key can change or the member leave in
// O(log n), and yields its k smallest in order in O(k log k).
type orderHeap struct {
	e     []heapEntry
	where []int32 // member index → position in e
	aux   []int32 // scratch for smallest
}

func (h *orderHeap) len() int { return len(h.e) }

// push adds member m (which must be h.where's next index) with key k.
func (h *orderHeap) push(m int32, k orderKey) {
	if int(m) != len(h.where) {
		panic("policy: orderHeap members must be added in index order")
	}
	h.where = append(h.where, int32(len(h.e)))
	h.e = append(h.e, heapEntry{key: k, m: m})
	h.up(len(h.e) - 1)
}

// key returns member m's key.
func (h *orderHeap) key(m int32) orderKey { return h.e[h.where[m]].key }

// update changes member m's key.
func (h *orderHeap) update(m int32, k orderKey) {
	i := int(h.where[m])
	old := h.e[i].key
	h.e[i].key = k
	if k.less(old) {
		h.up(i)
	} else {
		h.down(i)
	}
}

// removeLast removes member m, then renames the last member index to m
// (the caller's member array does the same swap-remove).
func (h *orderHeap) removeLast(m int32) {
	i := int(h.where[m])
	last := len(h.e) - 1
	if i != last {
		h.swap(i, last)
	}
	h.e = h.e[:last]
	if i != last {
		h.down(i)
		h.up(i)
	}
	// Rename member index len(where)-1 to m.
	lm := int32(len(h.where) - 1)
	if lm != m {
		p := h.where[lm]
		h.e[p].m = m
		h.where[m] = p
	}
	h.where = h.where[:lm]
}

// smallest appends the members with the k smallest keys, smallest first.
// It walks the heap from the root with a small auxiliary heap of
// positions, touching O(k) entries.
func (h *orderHeap) smallest(k int, dst []int32) []int32 {
	if k <= 0 || len(h.e) == 0 {
		return dst
	}
	aux := append(h.aux[:0], 0)
	for ; k > 0 && len(aux) > 0; k-- {
		p := aux[0]
		dst = append(dst, h.e[p].m)
		// Pop p from aux.
		n := len(aux) - 1
		aux[0] = aux[n]
		aux = aux[:n]
		h.auxDown(aux, 0)
		// Push p's children.
		for c := 2*p + 1; c <= 2*p+2 && int(c) < len(h.e); c++ {
			aux = append(aux, c)
			h.auxUp(aux, len(aux)-1)
		}
	}
	h.aux = aux[:0]
	return dst
}

func (h *orderHeap) auxLess(aux []int32, i, j int) bool {
	return h.e[aux[i]].key.less(h.e[aux[j]].key)
}

func (h *orderHeap) auxUp(aux []int32, i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.auxLess(aux, i, p) {
			return
		}
		aux[i], aux[p] = aux[p], aux[i]
		i = p
	}
}

func (h *orderHeap) auxDown(aux []int32, i int) {
	n := len(aux)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		c := l
		if r := l + 1; r < n && h.auxLess(aux, r, l) {
			c = r
		}
		if !h.auxLess(aux, c, i) {
			return
		}
		aux[i], aux[c] = aux[c], aux[i]
		i = c
	}
}

func (h *orderHeap) swap(i, j int) {
	h.e[i], h.e[j] = h.e[j], h.e[i]
	h.where[h.e[i].m] = int32(i)
	h.where[h.e[j].m] = int32(j)
}

func (h *orderHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h.e[i].key.less(h.e[p].key) {
			return
		}
		h.swap(i, p)
		i = p
	}
}

func (h *orderHeap) down(i int) {
	n := len(h.e)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		c := l
		if r := l + 1; r < n && h.e[r].key.less(h.e[l].key) {
			c = r
		}
		if !h.e[c].key.less(h.e[i].key) {
			return
		}
		h.swap(i, c)
		i = c
	}
}
