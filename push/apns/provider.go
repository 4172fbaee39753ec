package apns

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/push"
	"golang.org/x/net/http2"
)

// maxErrorBody caps how much of an APNs error response is read. APNs
// error bodies are a few dozen bytes of JSON.
const maxErrorBody = 64 << 10

// Provider sends pushes for one topic. It implements [push.Provider] and
// is safe for concurrent use.
type Provider struct {
	client     *http.Client
	baseURL    string
	workers    int
	expiration time.Duration
	timeout    time.Duration
	now        func() time.Time
}

// job is one push to send, with its device token already hex encoded.
type job struct {
	token string
	push  *mdm.Push
}

// payload is the body of an MDM push.
type payload struct {
	MDM string `json:"mdm"`
}

// Push sends one push per distinct device token in pushes and returns the
// responses keyed by lowercase hex token. Nil entries are skipped, and a
// token listed twice is pushed once. One push is sent inline; more are
// sent by up to the configured number of workers at once.
func (p *Provider) Push(ctx context.Context, pushes []*mdm.Push) (map[string]*push.Response, error) {
	if len(pushes) == 0 {
		return nil, errors.New("no push data provided")
	}
	jobs := uniqueJobs(pushes)
	responses := make([]*push.Response, len(jobs))
	if len(jobs) == 1 {
		responses[0] = p.send(ctx, jobs[0])
	} else {
		p.sendAll(ctx, jobs, responses)
	}

	results := make(map[string]*push.Response, len(jobs))
	for i, j := range jobs {
		results[j.token] = responses[i]
	}
	return results, nil
}

// CloseIdleConnections closes the provider's idle connections. Pushes in
// flight finish on their connection.
func (p *Provider) CloseIdleConnections() {
	p.client.CloseIdleConnections()
}

// uniqueJobs drops nil entries and repeated tokens.
//
// NOTE(parity): NanoMDM pushes twice to a token listed twice. Both pushes
// share one entry of the response map, so the difference is visible only
// to APNs.
func uniqueJobs(pushes []*mdm.Push) []job {
	jobs := make([]job, 0, len(pushes))
	seen := make(map[string]bool, len(pushes))
	for _, pu := range pushes {
		if pu == nil {
			continue
		}
		token := hex.EncodeToString(pu.Token)
		if seen[token] {
			continue
		}
		seen[token] = true
		jobs = append(jobs, job{token: token, push: pu})
	}
	return jobs
}

// sendAll sends jobs with at most p.workers in flight and stores the
// response of jobs[i] in responses[i].
func (p *Provider) sendAll(ctx context.Context, jobs []job, responses []*push.Response) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(p.workers, len(jobs)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(jobs) {
					return
				}
				responses[i] = p.send(ctx, jobs[i])
			}
		})
	}
	wg.Wait()
}

// send performs one push request. The response ID is the apns-id header,
// which APNs sends with errors too.
func (p *Provider) send(ctx context.Context, j job) *push.Response {
	if p.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.timeout)
		defer cancel()
	}
	req, err := p.newRequest(ctx, j)
	if err != nil {
		return &push.Response{Err: err}
	}

	resp, err := p.client.Do(req)
	var goAway http2.GoAwayError
	if errors.As(err, &goAway) {
		// APNs explains a GOAWAY in its debug data, in the same JSON as an
		// error response body, so the GOAWAY code is used as the status.
		return &push.Response{Err: newStatusError(int(goAway.ErrCode), strings.NewReader(goAway.DebugData))}
	}
	if err != nil {
		return &push.Response{Err: err}
	}
	defer resp.Body.Close()

	result := &push.Response{ID: resp.Header.Get("apns-id")}
	body := io.LimitReader(resp.Body, maxErrorBody)
	if resp.StatusCode != http.StatusOK {
		result.Err = newStatusError(resp.StatusCode, body)
	}
	// Reading to the end lets the stream finish cleanly instead of being
	// reset.
	_, _ = io.Copy(io.Discard, body)
	return result
}

func (p *Provider) newRequest(ctx context.Context, j job) (*http.Request, error) {
	// NOTE(parity): NanoMDM concatenates the PushMagic into the body
	// unescaped. Encoding it as JSON gives the same bytes for every real
	// PushMagic, which is a UUID.
	body, err := json.Marshal(payload{MDM: j.push.PushMagic})
	if err != nil {
		return nil, err
	}
	url := p.baseURL + "/3/device/" + j.token
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if p.expiration > 0 {
		expires := p.now().Add(p.expiration).Unix()
		req.Header.Set("apns-expiration", strconv.FormatInt(expires, 10))
	}
	return req, nil
}
