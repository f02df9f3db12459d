package history

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Verdict is what shoal verify found of a test that is not stable: its
// class, and the tests that pollute it or conflict with it.
type Verdict struct {
	Class    string
	Partners []string
}

// SaveVerdicts keeps what a verification found: a test given a class gets
// it, a test found stable loses the one it had (it was fixed). Tests the
// verification did not run keep theirs.
func (s *Store) SaveVerdicts(found map[string]Verdict, stable []string) error {
	ctx := context.Background()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("cannot keep the verdicts: %w", err)
	}
	defer tx.Rollback()
	for _, id := range stable {
		if _, err := tx.ExecContext(ctx, `DELETE FROM verdicts WHERE nodeid = ?`, id); err != nil {
			return fmt.Errorf("cannot keep the verdicts: %w", err)
		}
	}
	now := time.Now().UnixNano()
	for id, v := range found {
		partners, _ := json.Marshal(nonNil(v.Partners))
		_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO verdicts (nodeid, class, partners, at) VALUES (?, ?, ?, ?)`,
			id, v.Class, string(partners), now)
		if err != nil {
			return fmt.Errorf("cannot keep the verdicts: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("cannot keep the verdicts: %w", err)
	}
	return nil
}

// Verdicts are the kept verdicts by node id. If the store cannot be read,
// it returns what it read.
func (s *Store) Verdicts() map[string]Verdict {
	out := map[string]Verdict{}
	rows, err := s.db.QueryContext(context.Background(), `SELECT nodeid, class, partners FROM verdicts`)
	if err != nil {
		return out
	}
	defer rows.Close()
	for rows.Next() {
		var id, class, partners string
		if rows.Scan(&id, &class, &partners) != nil {
			continue
		}
		v := Verdict{Class: class}
		_ = json.Unmarshal([]byte(partners), &v.Partners)
		out[id] = v
	}
	return out
}

func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}
