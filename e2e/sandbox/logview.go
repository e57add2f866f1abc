package sandbox

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// noteworthyDebug are the plugin's debug lines a newcomer wants to see:
// a notification on its way, sent, or spared.
var noteworthyDebug = []string{
	"Queued a Teams notification",
	"Sent a Teams notification",
	"Spared people a Teams notification they no longer need",
}

// skippedFields are what every line has, or what says nothing to a reader.
var skippedFields = []string{"timestamp", "level", "msg", "caller", "plugin_id", "plugin_caller", "source", "worker", "job_id"}

// maxLogLine caps a line of the server log that is read; longer ones are
// skipped.
const maxLogLine = 1 << 20

// followLog prints, as they are written from now on, the server log's
// lines of note: the plugin's own from info up and its noteworthy debug
// lines, and the server's errors, one readable line each, with user IDs
// shown as usernames. The returned function stops it.
func followLog(path, pluginID string, names map[string]string, out io.Writer) func() {
	done := make(chan struct{})
	var wg sync.WaitGroup
	var offset int64
	if fi, err := os.Stat(path); err == nil {
		offset = fi.Size()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		var partial []byte
		tick := time.NewTicker(300 * time.Millisecond)
		defer tick.Stop()
		for {
			offset, partial = printNew(path, offset, partial, pluginID, names, out)
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// printNew prints the log's complete lines after offset, and returns where
// it stopped and the start of a line not yet complete.
func printNew(path string, offset int64, partial []byte, pluginID string, names map[string]string, out io.Writer) (int64, []byte) {
	f, err := os.Open(path)
	if err != nil {
		return offset, partial
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return offset, partial
	}
	r := bufio.NewReader(f)
	for {
		chunk, err := r.ReadSlice('\n')
		offset += int64(len(chunk))
		if len(partial)+len(chunk) <= maxLogLine {
			partial = append(partial, chunk...)
		} else {
			partial = partial[:0:0]
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			return offset, partial
		}
		if line, ok := readable(partial, pluginID, names); ok {
			fmt.Fprintln(out, line)
		}
		partial = partial[:0]
	}
}

// readable formats one JSON log line, if it is one of note.
func readable(raw []byte, pluginID string, names map[string]string) (string, bool) {
	var rec map[string]any
	if err := json.Unmarshal(raw, &rec); err != nil {
		return "", false
	}
	level, _ := rec["level"].(string)
	msg, _ := rec["msg"].(string)
	ours := rec["plugin_id"] == pluginID
	switch {
	case ours && level == "debug" && slices.Contains(noteworthyDebug, msg):
	case ours && (level == "info" || level == "warn" || level == "error"):
	case !ours && level == "error":
	default:
		return "", false
	}
	var b strings.Builder
	b.WriteString(clock(rec["timestamp"]))
	switch {
	case level == "warn" || level == "error":
		b.WriteString("  " + strings.ToUpper(level) + " ")
	default:
		b.WriteString("  ")
	}
	if !ours {
		b.WriteString("server: ")
	}
	b.WriteString(msg)
	keys := make([]string, 0, len(rec))
	for k := range rec {
		if !slices.Contains(skippedFields, k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := fmt.Sprint(rec[k])
		if name, ok := names[v]; ok && strings.HasSuffix(k, "user_id") {
			k, v = strings.TrimSuffix(k, "_id"), "@"+name
		}
		if len(v) > 200 {
			v = v[:200] + "…"
		}
		fmt.Fprintf(&b, "  %s=%s", k, v)
	}
	return b.String(), true
}

// clock is a log timestamp's time of day.
func clock(v any) string {
	s, _ := v.(string)
	for _, layout := range []string{"2006-01-02 15:04:05.000 Z07:00", "2006-01-02 15:04:05.000 Z", time.RFC3339Nano} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Local().Format("15:04:05")
		}
	}
	return time.Now().Format("15:04:05")
}
