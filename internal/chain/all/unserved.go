package all

// Unserved returns the Dfns network names no adapter serves yet (answered
// 400 "network … not supported yet"), in the order of the Dfns list; nil
// once every name is served. Tests of that answer take their network here
// so they do not break as families are added.
func Unserved() []string {
	var out []string
	for _, n := range dfnsNetworks {
		if _, ok := byNetwork[n]; !ok {
			out = append(out, n)
		}
	}
	return out
}
