package http

import "io"

// maxPresized bounds the buffer [ReadAll] allocates up front from a
// Content-Length the client claims, so a false length cannot make the
// server allocate more than this before any byte arrives.
const maxPresized = 64 << 10

// ReadAll reads body to its end, as [io.ReadAll] does, into a buffer sized
// for size bytes when size is known and at most 64 KiB. A body of the
// announced length then takes one allocation instead of the several that
// io.ReadAll's doubling takes. Pass a request's ContentLength, which is -1
// when unknown.
func ReadAll(body io.Reader, size int64) ([]byte, error) {
	if size <= 0 || size > maxPresized {
		return io.ReadAll(body)
	}
	// One byte more than announced, so the read that returns io.EOF finds
	// room and the buffer need not grow.
	buf := make([]byte, 0, size+1)
	for {
		n, err := body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		} else if err != nil {
			return buf, err
		}
		if len(buf) == cap(buf) {
			// The body is longer than its Content-Length claimed.
			buf = append(buf, 0)[:len(buf)]
		}
	}
}
