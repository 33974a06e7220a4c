package handlespace

// timerHeap is a binary min-heap of elements by one of their deadlines;
// each element remembers its position, so removal and rescheduling cost
// O(log n).
type timerHeap struct {
	kind  timerKind
	items []*Member
}

type timerKind uint8

const (
	expiryTimer    timerKind = iota // registration expiry (every element)
	keepAliveTimer                  // keep-alive send or timeout (owned elements)
)

func (t *timerHeap) key(m *Member) int64 {
	if t.kind == expiryTimer {
		return m.expiresAt()
	}
	return m.kaAt
}

func (t *timerHeap) pos(m *Member) *int32 {
	if t.kind == expiryTimer {
		return &m.expIdx
	}
	return &m.kaIdx
}

func (t *timerHeap) less(i, j int) bool {
	return t.key(t.items[i]) < t.key(t.items[j])
}

func (t *timerHeap) swap(i, j int) {
	t.items[i], t.items[j] = t.items[j], t.items[i]
	*t.pos(t.items[i]) = int32(i)
	*t.pos(t.items[j]) = int32(j)
}

func (t *timerHeap) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !t.less(i, parent) {
			return
		}
		t.swap(i, parent)
		i = parent
	}
}

func (t *timerHeap) down(i int) bool {
	start, n := i, len(t.items)
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		c := l
		if r := l + 1; r < n && t.less(r, l) {
			c = r
		}
		if !t.less(c, i) {
			break
		}
		t.swap(i, c)
		i = c
	}
	return i > start
}

func (t *timerHeap) push(m *Member) {
	*t.pos(m) = int32(len(t.items))
	t.items = append(t.items, m)
	t.up(len(t.items) - 1)
}

// remove takes m out of the heap; it must be in it.
func (t *timerHeap) remove(m *Member) {
	i := int(*t.pos(m))
	last := len(t.items) - 1
	if i != last {
		t.swap(i, last)
	}
	t.items[last] = nil
	t.items = t.items[:last]
	*t.pos(m) = -1
	if i != last {
		if !t.down(i) {
			t.up(i)
		}
	}
}

// fix restores the heap after m's deadline changed.
func (t *timerHeap) fix(m *Member) {
	i := int(*t.pos(m))
	if !t.down(i) {
		t.up(i)
	}
}

// min returns the earliest deadline.
func (t *timerHeap) min() (int64, bool) {
	if len(t.items) == 0 {
		return 0, false
	}
	return t.key(t.items[0]), true
}

// due calls fn for every element whose deadline is at most now, visiting
// only those (and their children): O(k) for k due elements.
func (t *timerHeap) due(now int64, fn func(*Member)) {
	var walk func(i int)
	walk = func(i int) {
		if i >= len(t.items) || t.key(t.items[i]) > now {
			return
		}
		fn(t.items[i])
		walk(2*i + 1)
		walk(2*i + 2)
	}
	walk(0)
}
