package impair

import (
	"strconv"

	"netcompat/internal/netns"
)

type netnsT = netns.Namespace

func itoa(i uint64) string { return strconv.FormatUint(i, 10) }
