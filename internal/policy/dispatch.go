package policy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Route names the runner of the targets whose ids have one of Prefixes
// (the part of an id before its first '-', e.g. "sig", "xfr", "tx").
type Route struct {
	Prefixes []string
	Runner   Runner
}

// ByPrefix returns a Runner for an activity kind that several services
// carry out (Wallets:Sign: signature requests, transfers, transactions):
// each call goes to the runner of the target id's prefix, and Resume
// resumes every route's runner.
func ByPrefix(routes ...Route) Runner {
	d := dispatch{by: map[string]Runner{}}
	for _, r := range routes {
		for _, p := range r.Prefixes {
			d.by[p] = r.Runner
		}
		d.all = append(d.all, r.Runner)
	}
	return d
}

type dispatch struct {
	by  map[string]Runner
	all []Runner
}

func (d dispatch) route(targetID string) (Runner, error) {
	if prefix, _, ok := strings.Cut(targetID, "-"); ok && d.by[prefix] != nil {
		return d.by[prefix], nil
	}
	return nil, fmt.Errorf("policy: no runner for target %s", clip(targetID))
}

func (d dispatch) Approved(ctx context.Context, org, targetID string) error {
	r, err := d.route(targetID)
	if err != nil {
		return err
	}
	return r.Approved(ctx, org, targetID)
}

func (d dispatch) Rejected(ctx context.Context, org, targetID, reason string) error {
	r, err := d.route(targetID)
	if err != nil {
		return err
	}
	return r.Rejected(ctx, org, targetID, reason)
}

func (d dispatch) Execute(ctx context.Context, org, targetID string) error {
	r, err := d.route(targetID)
	if err != nil {
		return err
	}
	return r.Execute(ctx, org, targetID)
}

func (d dispatch) Resume(ctx context.Context) error {
	var errs []error
	for _, r := range d.all {
		errs = append(errs, r.Resume(ctx))
	}
	return errors.Join(errs...)
}

func (d dispatch) Activity(ctx context.Context, org, targetID string) (json.RawMessage, error) {
	r, err := d.route(targetID)
	if err != nil {
		return nil, err
	}
	return r.Activity(ctx, org, targetID)
}
