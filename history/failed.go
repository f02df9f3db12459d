package history

import "context"

// Failed lists the tests whose newest result failed or errored, for
// --order failed-first. If the store cannot be read, it lists what it read.
func (s *Store) Failed() map[string]bool {
	out := map[string]bool{}
	s.eachFile(context.Background(), func(file string, tests []byte) error {
		return decodeFile(tests, func(name []byte, _ Estimate, encoded []byte) error {
			var newest [1]result
			rs, _ := decodeResults(encoded, newest[:0], nil)
			if len(rs) > 0 && (rs[0].outcome == "failed" || rs[0].outcome == "error") {
				out[file+string(name)] = true
			}
			return nil
		})
	})
	return out
}
