package nanomdm

import (
	"fmt"
	"sync"

	"github.com/mdmforge/nanomdm/mdm"
	"github.com/mdmforge/nanomdm/service"
)

// TokenMux passes each GetToken check-in to the handler registered for its
// exact TokenServiceType. The zero value has no handlers and is ready to
// use. It is safe for concurrent use.
//
// See https://developer.apple.com/documentation/devicemanagement/gettokenrequest
type TokenMux struct {
	mu       sync.RWMutex
	handlers map[string]service.GetToken
}

// NewTokenMux returns an empty [TokenMux].
func NewTokenMux() *TokenMux {
	return &TokenMux{}
}

// Handle registers h for serviceType, such as [mdm.TokenServiceMAID]. It
// panics when serviceType is empty, h is nil or serviceType already has a
// handler, because each of those is a wiring mistake.
func (m *TokenMux) Handle(serviceType string, h service.GetToken) {
	if serviceType == "" {
		panic("nanomdm: empty GetToken service type")
	}
	if h == nil {
		panic("nanomdm: nil GetToken handler for " + serviceType)
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.handlers[serviceType]; ok {
		panic("nanomdm: duplicate GetToken handler for " + serviceType)
	}
	if m.handlers == nil {
		m.handlers = make(map[string]service.GetToken)
	}
	m.handlers[serviceType] = h
}

// GetToken calls the handler registered for msg.TokenServiceType, or
// returns an error when there is none.
func (m *TokenMux) GetToken(r *mdm.Request, msg *mdm.GetToken) (*mdm.GetTokenResponse, error) {
	m.mu.RLock()
	h := m.handlers[msg.TokenServiceType]
	m.mu.RUnlock()

	if h == nil {
		return nil, fmt.Errorf("no handler for TokenServiceType: %s", msg.TokenServiceType)
	}
	return h.GetToken(r, msg)
}

// StaticToken is a GetToken handler that returns the same TokenData for
// every request.
type StaticToken struct {
	data []byte
}

// NewStaticToken returns a handler that always returns data. The caller
// must not change data afterwards.
func NewStaticToken(data []byte) *StaticToken {
	return &StaticToken{data: data}
}

// GetToken returns the fixed TokenData.
func (t *StaticToken) GetToken(*mdm.Request, *mdm.GetToken) (*mdm.GetTokenResponse, error) {
	return &mdm.GetTokenResponse{TokenData: t.data}, nil
}
