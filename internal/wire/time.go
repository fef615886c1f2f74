// Package wire holds encodings shared by every JSON view of the API.
package wire

import "time"

// TimeLayout is how Dfns writes dates: ISO-8601 in UTC with milliseconds,
// e.g. 2023-04-14T20:41:28.715Z. Storage keeps milliseconds too, so an
// object reads back exactly as it was created.
const TimeLayout = "2006-01-02T15:04:05.000Z"

// Time formats t as the API does.
func Time(t time.Time) string { return t.UTC().Format(TimeLayout) }
