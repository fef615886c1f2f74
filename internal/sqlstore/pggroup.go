package sqlstore

import (
	"context"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5/stdlib"
)

// Group commit on PostgreSQL. The writes a lazy unit held back
// (pipeline.go), and the single ephemeral writes (an issued challenge or
// user action), are not sent by the request that made them: they join a
// group, and a few senders each take whatever groups have gathered and
// send them together as one pipeline, one implicit transaction, one
// commit. At concurrency one round trip and one commit serve many
// requests, as the SQLite writer's group commit does (writer.go); alone, a
// request's group is just its own writes.
//
// A group commits whole or not at all. When one of its writes fails (a
// user action already consumed, a challenge completed twice) the group is
// rolled back and each of its members is sent again alone, so that every
// member gets its own answer and no member's fate depends on another's.

// maxGroup bounds how many members share one commit.
const maxGroup = 64

// groupSenders is how many groups may be in flight at once per pool. One:
// while a group waits for its commit, the next gathers, so groups grow
// with the load (measured: 0.65–0.8 commits per signing flow at 32
// clients over two replicas, against 0.9–1.05 with two senders).
const groupSenders = 1

// group gathers the writes sent on one pool.
type group struct {
	db    *DB
	p     *pool
	in    chan *member
	wg    sync.WaitGroup
	close sync.Once
}

// member is one request's writes in a group, answered on done.
type member struct {
	held []deferred
	done chan error
}

func newGroup(db *DB, p *pool) *group {
	g := &group{db: db, p: p, in: make(chan *member, maxGroup)}
	for range groupSenders {
		g.wg.Go(g.send)
	}
	return g
}

// run sends held with the next group and returns its answer. Callers hold
// db.opsMu for reading, so stop cannot run meanwhile.
func (g *group) run(held []deferred) error {
	m := &member{held: held, done: make(chan error, 1)}
	g.in <- m
	return <-m.done
}

// stop lets the senders finish the groups under way and end.
func (g *group) stop() {
	g.close.Do(func() { close(g.in) })
	g.wg.Wait()
}

func (g *group) send() {
	batch := make([]*member, 0, maxGroup)
	for m := range g.in {
		batch = append(batch[:0], m)
	drain:
		for len(batch) < maxGroup {
			select {
			case m, ok := <-g.in:
				if !ok {
					break drain
				}
				batch = append(batch, m)
			default:
				break drain
			}
		}
		g.commit(batch)
	}
}

// commit sends batch as one pipeline, or each member alone when it has
// one member or when one of its writes failed (then PostgreSQL rolled the
// whole back). Any other error (the connection lost, say) is every
// member's answer, as it would be a lone request's: whether it committed
// is not known, and sending it again could answer a write that did commit
// with a refusal.
func (g *group) commit(batch []*member) {
	ctx := context.Background()
	if len(batch) > 1 {
		var all []deferred
		for _, m := range batch {
			all = append(all, m.held...)
		}
		failed, err := g.pipeline(ctx, all)
		if err == nil || failed < 0 {
			if err != nil {
				err = fmt.Errorf("pipeline: %w", err)
			}
			for _, m := range batch {
				m.done <- err
			}
			return
		}
	}
	for _, m := range batch {
		m.done <- g.db.sendHeld(ctx, g.p, m.held)
	}
}

// pipeline sends held in one implicit transaction (runPipeline).
func (g *group) pipeline(ctx context.Context, held []deferred) (failed int, err error) {
	conn, err := g.p.DB.Conn(ctx)
	if err != nil {
		return -1, fmt.Errorf("connection: %w", err)
	}
	defer conn.Close()
	failed = -1
	err = conn.Raw(func(dc any) error {
		var err error
		failed, err = runPipeline(ctx, dc.(*stdlib.Conn).Conn(), held)
		return err
	})
	return failed, err
}
