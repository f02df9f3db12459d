package history

import "context"

// Failed lists the tests whose newest result failed or errored, for
// --order failed-first. If the store cannot be read, it lists what it read.
func (s *Store) Failed() map[string]bool {
	out := map[string]bool{}
	rows, err := s.db.QueryContext(context.Background(), `SELECT nodeid, results FROM tests`)
	if err != nil {
		return out
	}
	defer rows.Close()
	for rows.Next() {
		var nodeid string
		var blob []byte
		if rows.Scan(&nodeid, &blob) != nil {
			continue
		}
		rs, err := decodeResults(blob)
		if err == nil && len(rs) > 0 && (rs[0].outcome == "failed" || rs[0].outcome == "error") {
			out[nodeid] = true
		}
	}
	return out
}
