package main

import (
	"net/url"

	"github.com/mdmforge/nanomdm/http/api"
	"github.com/mdmforge/nanomdm/push/apns"
	pushservice "github.com/mdmforge/nanomdm/push/service"
	"github.com/mdmforge/nanomdm/service"
	"github.com/mdmforge/nanomdm/service/certauth"
	"github.com/mdmforge/nanomdm/service/dmhook"
	"github.com/mdmforge/nanomdm/service/dump"
	"github.com/mdmforge/nanomdm/service/multi"
	"github.com/mdmforge/nanomdm/service/nanomdm"
	"github.com/mdmforge/nanomdm/service/webhook"
)

// newCoreService builds the core MDM service with its UserAuthenticate
// policy and, with -dm, the Declarative Management hook. It registers no
// GetToken handler, so GetToken check-ins get 500 as in NanoMDM.
func (s *server) newCoreService(dmURL *url.URL, deps dependencies) (*nanomdm.Service, error) {
	ua := nanomdm.NewUserAuthenticator()
	if s.cfg.uaZLDC {
		ua = nanomdm.NewZeroLengthChallengeAuthenticator(s.store)
	}
	opts := []nanomdm.Option{
		nanomdm.WithLogger(s.logger),
		nanomdm.WithUserAuthenticate(ua),
	}
	if dmURL != nil {
		dm, err := s.newDMHook(dmURL, deps)
		if err != nil {
			return nil, err
		}
		opts = append(opts, nanomdm.WithDeclarativeManagement(dm))
	}
	return nanomdm.New(s.store, opts...), nil
}

// newDMHook builds the client of the -dm server.
func (s *server) newDMHook(dmURL *url.URL, deps dependencies) (*dmhook.DMHook, error) {
	opts := []dmhook.Option{dmhook.WithLogger(s.logger)}
	if s.cfg.dmSendHMACKey != "" {
		opts = append(opts, dmhook.WithSendHMACKey([]byte(s.cfg.dmSendHMACKey)))
	}
	if s.cfg.dmRecvHMACKey != "" {
		opts = append(opts, dmhook.WithRecvHMACKey([]byte(s.cfg.dmRecvHMACKey)))
	}
	if deps.httpClient != nil {
		opts = append(opts, dmhook.WithClient(deps.httpClient))
	}
	return dmhook.New(dmURL.String(), opts...)
}

// newMDMService wraps core for the device routes, outermost first: dump
// (with -dump), certauth, then multi with the webhook (with
// -webhook-url). With -retro certauth logs that it allows retroactive
// bindings.
func (s *server) newMDMService(core service.CheckinAndCommandService, deps dependencies) service.CheckinAndCommandService {
	svc := core
	if s.cfg.webhookURL != "" {
		hookOpts := []webhook.Option{webhook.WithLogger(s.logger)}
		if s.cfg.webhookHMACKey != "" {
			hookOpts = append(hookOpts, webhook.WithHMACSecret([]byte(s.cfg.webhookHMACKey)))
		}
		if deps.httpClient != nil {
			hookOpts = append(hookOpts, webhook.WithClient(deps.httpClient))
		}
		hook := webhook.New(s.cfg.webhookURL, s.store, hookOpts...)
		m := multi.New([]service.CheckinAndCommandService{core, hook}, multi.WithLogger(s.logger))
		s.drains = append(s.drains, m.Wait)
		svc = m
	}

	authOpts := []certauth.Option{certauth.WithLogger(s.logger)}
	if s.cfg.retro {
		authOpts = append(authOpts, certauth.WithRetroactive())
	}
	svc = certauth.New(svc, s.store, authOpts...)

	if s.cfg.dump {
		svc = dump.New(svc, deps.stdout, dump.WithLogger(s.logger))
	}
	return svc
}

// newAPI builds the operator API with the APNs pusher.
func (s *server) newAPI(deps dependencies) *api.API {
	apnsOpts := append([]apns.Option{apns.WithBaseURL(s.cfg.apnsURL)}, deps.apnsOptions...)
	pusher := pushservice.New(s.store, apns.NewFactory(apnsOpts...),
		pushservice.WithLogger(s.logger))

	apiOpts := []api.Option{
		api.WithLogger(s.logger),
		api.WithEscrowURL(s.cfg.escrowURL),
		api.WithMaxBodySize(s.cfg.maxBodyBytes),
	}
	if deps.escrowTLS != nil {
		apiOpts = append(apiOpts, api.WithEscrowTLSConfig(deps.escrowTLS))
	}
	return api.New(s.store, s.store, pusher, apiOpts...)
}
