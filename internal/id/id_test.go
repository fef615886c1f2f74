package id

import (
	"regexp"
	"slices"
	"testing"
	"time"
)

var shape = regexp.MustCompile(`^us-[0-9a-z]{5}-[0-9a-z]{5}-[0-9a-z]{16}$`)

func TestNewShapeOrderAndUniqueness(t *testing.T) {
	seen := map[string]bool{}
	var ids []string
	for i := range 2000 {
		v := New("us")
		if !shape.MatchString(v) {
			t.Fatalf("id %q has not the Dfns shape", v)
		}
		if seen[v] {
			t.Fatalf("duplicate id %q", v)
		}
		seen[v] = true
		ids = append(ids, v)
		if i == 1000 {
			time.Sleep(2 * time.Millisecond)
		}
	}
	// Ids of later milliseconds sort after earlier ones.
	if ids[0][:15] > ids[len(ids)-1][:15] || !slices.IsSorted([]string{ids[0][:15], ids[1999][:15]}) {
		t.Fatalf("ids do not sort by time: %s .. %s", ids[0], ids[1999])
	}
	if !Valid("us", ids[0]) || Valid("wa", ids[0]) || Valid("us", "us-../x") {
		t.Fatal("Valid")
	}
}

func TestFloorBoundsIDsByTime(t *testing.T) {
	before := New("ua")
	time.Sleep(2 * time.Millisecond)
	mid := time.Now()
	time.Sleep(2 * time.Millisecond)
	after := New("ua")
	f := Floor("ua", mid)
	if !(before < f && f < after) {
		t.Fatalf("Floor(%v) = %s not between %s and %s", mid, f, before, after)
	}
	// An id made in the very millisecond of t is at or above its floor.
	now := time.Now()
	same := New("ua")
	if same < Floor("ua", now) {
		t.Fatalf("%s sorts below its own floor %s", same, Floor("ua", now))
	}
	if Floor("ua", time.Time{}) != "ua-00000-00000" {
		t.Fatalf("floor of the zero time: %s", Floor("ua", time.Time{}))
	}
}
