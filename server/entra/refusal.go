package entra

import (
	"fmt"
	"strings"
)

// Refusal is why a token was not accepted, with the claim values that
// explain it (never the token itself), for the log.
type Refusal struct {
	Reason string
	Detail map[string]string
	Err    error
}

func (r *Refusal) Error() string {
	var b strings.Builder
	b.WriteString("token refused: ")
	b.WriteString(r.Reason)
	for k, v := range r.Detail {
		fmt.Fprintf(&b, " %s=%q", k, v)
	}
	if r.Err != nil {
		b.WriteString(": ")
		b.WriteString(r.Err.Error())
	}
	return b.String()
}

func (r *Refusal) Unwrap() error { return r.Err }

// LogPairs returns the refusal as key/value pairs for a structured log.
func (r *Refusal) LogPairs() []any {
	pairs := []any{"reason", r.Reason}
	for k, v := range r.Detail {
		pairs = append(pairs, k, v)
	}
	if r.Err != nil {
		pairs = append(pairs, "error", r.Err.Error())
	}
	return pairs
}

func refuse(reason string, detail ...string) *Refusal {
	r := &Refusal{Reason: reason, Detail: map[string]string{}}
	for i := 0; i+1 < len(detail); i += 2 {
		r.Detail[detail[i]] = detail[i+1]
	}
	return r
}
