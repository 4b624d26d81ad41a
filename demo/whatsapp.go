package demo

import (
	"context"
	"time"

	"switchboard/inbox"
	"switchboard/inbox/webhook"
	"switchboard/inbox/whatsapp"
	"switchboard/inbox/whatsapp/fakegraph"
)

// The demo sends its replies to a fake WhatsApp Cloud API in this process (a real HTTP server
// on loopback, package fakegraph), so a trainer sees a reply go queued → sent → delivered →
// read, with the delays a real one has, and one scripted failure: WhatsApp accepts a reply to
// FailingContact, then reports it undeliverable (131026). Its status webhooks are applied
// through the webhook parser, as Meta's would be.

// FailingContact is the demo contact whose replies fail (Wei Chen: "the number is not on
// WhatsApp").
const FailingContact = "34655001814"

// StatusDelays are the fake's waits before a reply's sent, delivered and read statuses.
var StatusDelays = [3]time.Duration{700 * time.Millisecond, 1500 * time.Millisecond, 2500 * time.Millisecond}

// APIDelay is how long the fake takes to answer a send.
var APIDelay = 600 * time.Millisecond

// Templates are the demo's approved (and one pending) message templates.
var Templates = []inbox.Template{
	{Name: "order_update", Language: "en_US", Status: "APPROVED", Category: "UTILITY", Body: "Hi {{1}}, your order {{2}} is on its way."},
	{Name: "follow_up", Language: "en_US", Status: "APPROVED", Category: "UTILITY", Body: "Hi {{1}}, is there anything else we can help with?"},
	{Name: "seguimiento", Language: "es", Status: "APPROVED", Category: "UTILITY", Body: "Hola {{1}}, ¿podemos ayudarte en algo más?"},
	{Name: "spring_sale", Language: "en_US", Status: "PENDING", Category: "MARKETING", Body: "Our spring sale starts today!"},
}

// FakeGraph starts the demo's fake Cloud API for svc and returns the configuration that sends
// to it, and how to stop it. The demo's templates are synced into the workspace (as admin).
func FakeGraph(ctx context.Context, svc *inbox.Service) (whatsapp.Config, func(), error) {
	const token = "demo-access-token"
	f := &fakegraph.Fake{Token: token, Templates: Templates, StatusDelays: StatusDelays}
	f.Script = func(m fakegraph.Message) fakegraph.Action {
		a := fakegraph.Action{Delay: APIDelay} // the API's answer takes a moment: "queued" shows
		if m.To == FailingContact {
			a.Fail = 131026
		}
		return a
	}
	f.Statuses = func(payload []byte, _ string) { webhook.ApplyJSON(context.Background(), svc, payload) }
	base, err := f.Start()
	if err != nil {
		return whatsapp.Config{}, nil, err
	}
	cfg := whatsapp.Config{BaseURL: base, PhoneID: "demo-phone-number", WABAID: "demo-waba",
		Token: func() (string, error) { return token, nil }, Timeout: 5 * time.Second}
	ts, err := whatsapp.NewClient(cfg).Templates(ctx)
	if err == nil {
		err = svc.PutTemplates(ctx, Admin, ts)
	}
	if err != nil {
		f.Close()
		return whatsapp.Config{}, nil, err
	}
	return cfg, f.Close, nil
}
