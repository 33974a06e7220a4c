package recovery

import "time"

// rateWindow is how long a delivery-rate sample stays in the max filter.
const rateWindow = 10 * time.Second

// rateEstimator estimates the delivery rate as
// draft-cheng-iccrg-delivery-rate-estimation (BBR's estimator): every
// packet records how much had been delivered, and when, at its sending;
// when it is acknowledged, the bytes delivered in between divided by the
// longer of the send and ACK intervals is a rate sample that neither ACK
// compression nor send bursts can inflate. Samples go through a 10 s
// windowed max filter.
type rateEstimator struct {
	delivered       int64 // bytes acknowledged so far
	deliveredTime   int64 // when delivered last grew
	firstSentTime   int64 // send time of the packet of the last sample
	appLimitedUntil int64 // delivered mark ending the app-limited phase; 0: not limited

	filter maxFilter
	latest float64 // last sample, bytes/s
}

// onSendIdle restarts the intervals when sending resumes from idle, so the
// idle time is not counted as delivery time.
func (r *rateEstimator) onSendIdle(t int64) {
	r.firstSentTime = t
	r.deliveredTime = t
}

// onAppLimited marks the samples of packets sent from now until the data
// in flight is delivered as app-limited.
func (r *rateEstimator) onAppLimited(inFlight int) {
	r.appLimitedUntil = max(r.delivered+int64(inFlight), 1)
}

func (r *rateEstimator) snapshot(p *sentPacket) {
	p.delivered = r.delivered
	p.deliveredTime = r.deliveredTime
	p.firstSentTime = r.firstSentTime
	p.appLimited = r.appLimitedUntil != 0
}

func (r *rateEstimator) onPacketAcked(p *sentPacket, t int64) {
	r.delivered += int64(p.bytes)
	r.deliveredTime = t
	if r.appLimitedUntil != 0 && r.delivered > r.appLimitedUntil {
		r.appLimitedUntil = 0
	}
}

// onAckDone takes the rate sample of one ACK from p, the newly
// acknowledged packet sent last.
func (r *rateEstimator) onAckDone(p *sentPacket, t int64, minRTT time.Duration) {
	sendElapsed := p.timeSent - p.firstSentTime
	ackElapsed := r.deliveredTime - p.deliveredTime
	r.firstSentTime = p.timeSent
	interval := max(sendElapsed, ackElapsed)
	// An interval shorter than the min RTT comes from a burst of ACKs
	// and would overestimate the rate.
	if interval <= 0 || interval < int64(minRTT) {
		return
	}
	rate := float64(r.delivered-p.delivered) * 1e9 / float64(interval)
	r.latest = rate
	if !p.appLimited || rate >= r.filter.best() {
		r.filter.update(rate, t, int64(rateWindow))
	}
}

// DeliveryRate is the estimated delivery rate in bytes per second: the
// largest sample of the last 10 s (app-limited samples count only when
// they raise it); 0 before the first sample.
func (s *Sender) DeliveryRate() float64 { return s.rate.filter.best() }

// LatestDeliveryRate is the last delivery-rate sample, bytes per second.
func (s *Sender) LatestDeliveryRate() float64 { return s.rate.latest }

// maxFilter is Kathleen Nichols' windowed max filter (as Linux's minmax):
// the best, second-best and third-best samples of staggered sub-windows,
// constant space and time per sample.
type maxFilter struct {
	s [3]struct {
		v float64
		t int64
	}
}

func (f *maxFilter) best() float64 { return f.s[0].v }

func (f *maxFilter) update(v float64, t, win int64) {
	type sample = struct {
		v float64
		t int64
	}
	n := sample{v, t}
	if v >= f.s[0].v || t-f.s[2].t > win {
		f.s[0], f.s[1], f.s[2] = n, n, n
		return
	}
	if v >= f.s[1].v {
		f.s[1], f.s[2] = n, n
	} else if v >= f.s[2].v {
		f.s[2] = n
	}
	dt := t - f.s[0].t
	switch {
	case dt > win:
		f.s[0], f.s[1], f.s[2] = f.s[1], f.s[2], n
		if t-f.s[0].t > win {
			f.s[0], f.s[1], f.s[2] = f.s[1], f.s[2], n
		}
	case f.s[1].t == f.s[0].t && dt > win/4:
		f.s[1], f.s[2] = n, n
	case f.s[2].t == f.s[1].t && dt > win/2:
		f.s[2] = n
	}
}
