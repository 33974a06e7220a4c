package benchreport

import (
	"fmt"
	"math"
	"slices"
	"strconv"
)

// Median returns the median of v (the mean of the middle two for an even
// count), 0 for none; v is left as it is.
func Median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(v))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Round4 rounds v to four decimals, as the JSON files give their values.
func Round4(v float64) float64 { return math.Round(v*1e4) / 1e4 }

// Num formats v for a table column: without decimals from whole up (each
// program picks where its columns stop needing them), else with three
// significant digits.
func Num(v, whole float64) string {
	if v >= whole {
		return fmt.Sprintf("%.0f", v)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}
