package evmwallet

import "time"

// SetResumeAfter sets how old an Executing request must be before the
// worker takes it over (tests: at once).
func SetResumeAfter(s *Service, d time.Duration) { s.resumeAfter = d }
