package sched

// Levels of the shared pool. lvAny counts flows with either queue backlogged;
// it carries no tags and only feeds Share.
const (
	lvUrgent = 0
	lvNormal = 1
	lvAny    = 2
)

// node is one class of a pipe's scheduling tree (or the root, or the
// hidden "own flows" leaf of a class that also has sub-classes).
//
// Each node runs start-time fair queueing (SFQ) over its children, once per
// level: a child's start tag advances by bytes/share when it is served, the
// backlogged child with the smallest tag goes next, and a child that becomes
// backlogged starts at the node's virtual time (the tag of the child last
// served), so it neither gets credit for idle time nor waits behind it.
// That is what redistributes an idle class's share among its siblings.
// Tags are float64 bytes/share and only grow; at 1 Gbit/s their rounding
// stays far below one byte for centuries, so they are never renormalised.
type node struct {
	class  *Class // nil for the root and hidden leaves
	parent *node
	weight float64 // share among siblings
	kids   []*node
	flows  []*flow // flows attached here (leaf nodes only)
	self   *node   // where flows of this class attach (itself, or a hidden leaf)

	cnt [3]int     // backlogged pool flows below, per level
	tag [2]float64 // SFQ start tag in the parent, per level
	vt  [2]float64 // SFQ virtual time among children, per level

	reserved float64 // sum of reservations of flows in this subtree (bits/s)
}

// buildTree makes the per-pipe tree for classes. A class with sub-classes
// gets a hidden leaf for connections that name the class itself; it weighs
// as much as the average declared sub-class, so such connections neither
// dominate nor vanish.
func buildTree(cs *Classes) (root *node, byClass map[*Class]*node) {
	root = &node{weight: 1}
	root.self = root
	byClass = make(map[*Class]*node, len(cs.list))
	var mk func(parent *node, cl *Class) *node
	mk = func(parent *node, cl *Class) *node {
		n := &node{class: cl, parent: parent, weight: cl.Share}
		byClass[cl] = n
		if len(cl.Children) == 0 {
			n.self = n
			return n
		}
		sum := 0.0
		for _, ch := range cl.Children {
			n.kids = append(n.kids, mk(n, ch))
			sum += ch.Share
		}
		n.self = &node{parent: n, weight: sum / float64(len(cl.Children))}
		n.self.self = n.self
		n.kids = append(n.kids, n.self)
		return n
	}
	for _, cl := range cs.roots {
		root.kids = append(root.kids, mk(root, cl))
	}
	return root, byClass
}

// activate records that f (in leaf) became backlogged on level lv. Nodes that
// go from idle to backlogged restart at their parent's virtual time.
func activate(f *flow, lv int) {
	leaf := f.leaf
	if lv < 2 && f.tag[lv] < leaf.vt[lv] {
		f.tag[lv] = leaf.vt[lv]
	}
	for n := leaf; n != nil; n = n.parent {
		if n.cnt[lv] == 0 && lv < 2 && n.parent != nil && n.tag[lv] < n.parent.vt[lv] {
			n.tag[lv] = n.parent.vt[lv]
		}
		n.cnt[lv]++
	}
}

// deactivate undoes activate.
func deactivate(f *flow, lv int) {
	for n := f.leaf; n != nil; n = n.parent {
		n.cnt[lv]--
	}
}

// pick descends from root choosing, at each node, the backlogged child with
// the smallest start tag on level lv, and at the leaf the flow likewise.
// Linear scans: classes and connections per pipe are few, and a scan of a
// short slice beats a heap at this size without allocating.
func pick(root *node, lv int) *flow {
	n := root
	for len(n.kids) > 0 {
		var best *node
		for _, k := range n.kids {
			if k.cnt[lv] > 0 && (best == nil || k.tag[lv] < best.tag[lv]) {
				best = k
			}
		}
		if best == nil {
			return nil
		}
		n = best
	}
	var bf *flow
	for _, f := range n.flows {
		if f.inPool() && f.backlog[lv] && (bf == nil || f.tag[lv] < bf.tag[lv]) {
			bf = f
		}
	}
	return bf
}

// charge advances the SFQ tags on f's path by bytes on level lv.
func charge(f *flow, lv int, bytes float64) {
	leaf := f.leaf
	if leaf.vt[lv] < f.tag[lv] {
		leaf.vt[lv] = f.tag[lv]
	}
	f.tag[lv] += bytes
	for n := leaf; n.parent != nil; n = n.parent {
		if n.parent.vt[lv] < n.tag[lv] {
			n.parent.vt[lv] = n.tag[lv]
		}
		n.tag[lv] += bytes / n.weight
	}
}
