package graphwire

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestAnswersAndErrors(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" || r.Header.Get("Accept") != "application/json" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/v1.0/ok":
			_, _ = w.Write([]byte(`{"value":"x"}`))
		case "/v1.0/big":
			_, _ = w.Write([]byte(`{"value":"` + strings.Repeat("a", 100) + `"}`))
		default:
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"error":{"code":"TooManyRequests","message":"slow down"}}`))
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	var out struct{ Value string }
	if err := Do(ctx, srv.Client(), Request{Method: "GET", URL: srv.URL + "/v1.0/ok", Token: "tok", MaxAnswer: 1 << 10}, &out); err != nil || out.Value != "x" {
		t.Fatalf("ok: %v %+v", err, out)
	}
	err := Do(ctx, srv.Client(), Request{Method: "POST", URL: srv.URL + "/v1.0/throttled?x=secret", Token: "tok", Body: map[string]int{"a": 1}, MaxAnswer: 1 << 10}, nil)
	var gerr *Error
	if !errors.As(err, &gerr) || gerr.Status != 429 || gerr.Code != "TooManyRequests" || gerr.RetryAfter != 7*time.Second ||
		gerr.Path != "/v1.0/throttled" || strings.Contains(err.Error(), "secret") {
		t.Fatalf("throttled: %v %+v", err, gerr)
	}
	if err := Do(ctx, srv.Client(), Request{Method: "GET", URL: srv.URL + "/v1.0/big", Token: "tok", MaxAnswer: 20}, &out); err == nil {
		t.Fatal("an answer past the cap decoded")
	}
}

func TestARetryAfterIsCapped(t *testing.T) {
	for header, want := range map[string]time.Duration{
		"3": 3 * time.Second, "300": 5 * time.Minute, "86400": MaxRetryAfter, "99999999999": MaxRetryAfter,
		"-5": 0, "soon": 0, "": 0, "9223372036854775807": MaxRetryAfter,
	} {
		if got := DecodeError("POST", "/x", 429, header, nil).RetryAfter; got != want {
			t.Errorf("Retry-After %q: waits %s, want %s", header, got, want)
		}
	}
}
