// Package whatsapp is the WhatsApp Business Cloud API's outbound door: a Graph API client
// (messages, message templates) and the sender that drains the inbox's outbox. The process
// that owns the workspace runs the sender (serve, the terminal inbox, the demo; a `reply` from
// the shell with no owner, until its reply is sent); its network calls never run inside the
// inbox's writer. It must not touch storage or draw anything: it reads and writes through the
// inbox service. Inbound webhooks are package inbox/webhook. See docs/whatsapp.md.
package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"time"

	"switchboard/inbox"
	"switchboard/inbox/domain"
)

// DefaultBaseURL and DefaultVersion name Meta's Graph API.
const (
	DefaultBaseURL = "https://graph.facebook.com"
	DefaultVersion = "v23.0"
)

// Config is how to reach the Cloud API for one business phone number.
type Config struct {
	BaseURL string // DefaultBaseURL when empty; tests and trainers point it at a local fake
	Version string // DefaultVersion when empty
	PhoneID string // the phone number id messages are sent from
	WABAID  string // the WhatsApp Business Account (message templates)
	// Token returns the access token; it is asked again after the API refused one (190), so
	// a token file can be fixed without a restart.
	Token func() (string, error)
	// Timeout bounds one request (default 20 s).
	Timeout time.Duration
	// HTTP is the client (default: one with Timeout).
	HTTP *http.Client
}

// Configured reports whether replies can be sent: a phone number id and a token.
func (c Config) Configured() bool { return c.PhoneID != "" && c.Token != nil }

// Client calls the Graph API.
type Client struct {
	cfg  Config
	http *http.Client
}

// NewClient makes a client for cfg.
func NewClient(cfg Config) *Client {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.Version == "" {
		cfg.Version = DefaultVersion
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 20 * time.Second
	}
	h := cfg.HTTP
	if h == nil {
		h = &http.Client{Timeout: cfg.Timeout}
	}
	return &Client{cfg: cfg, http: h}
}

// APIError is an error the Graph API answered with.
type APIError struct {
	HTTPStatus int
	Code       int    `json:"code"`
	Subcode    int    `json:"error_subcode"`
	Type       string `json:"type"`
	Message    string `json:"message"`
	Title      string `json:"error_user_title"`
	Details    string
}

func (e *APIError) Error() string {
	t := e.Title
	if t == "" {
		t = e.Message
	}
	if t == "" {
		t = http.StatusText(e.HTTPStatus)
	}
	s := fmt.Sprintf("WhatsApp error %d: %s", e.Code, t)
	if e.Details != "" && e.Details != t {
		s += " (" + e.Details + ")"
	}
	return s
}

// LostError is a request whose answer never came (a timeout, a connection cut) after its body
// was written: WhatsApp may or may not have the message.
type LostError struct{ Err error }

func (e *LostError) Error() string { return "no answer after the message was sent: " + e.Err.Error() }
func (e *LostError) Unwrap() error { return e.Err }

// NotSentError is a request that failed before its body was written: WhatsApp never saw it.
type NotSentError struct{ Err error }

func (e *NotSentError) Error() string { return "could not reach WhatsApp: " + e.Err.Error() }
func (e *NotSentError) Unwrap() error { return e.Err }

// message is the body of POST /{phone-number-id}/messages.
type message struct {
	Product       string        `json:"messaging_product"`
	RecipientType string        `json:"recipient_type"`
	To            string        `json:"to,omitempty"`
	Recipient     string        `json:"recipient,omitempty"`
	Type          string        `json:"type"`
	Text          *textBody     `json:"text,omitempty"`
	Template      *templateBody `json:"template,omitempty"`
	Context       *msgContext   `json:"context,omitempty"`
	Callback      string        `json:"biz_opaque_callback_data,omitempty"`
}

type textBody struct {
	Body       string `json:"body"`
	PreviewURL bool   `json:"preview_url"`
}

type templateBody struct {
	Name       string      `json:"name"`
	Language   language    `json:"language"`
	Components []component `json:"components,omitempty"`
}

type language struct {
	Code string `json:"code"`
}

type component struct {
	Type       string      `json:"type"`
	Parameters []parameter `json:"parameters"`
}

type parameter struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type msgContext struct {
	MessageID string `json:"message_id"`
}

// Body is the JSON the client posts for a reply (exported for tests and the docs).
func Body(s inbox.Send) ([]byte, error) {
	m := message{Product: "whatsapp", RecipientType: "individual", To: s.To, Callback: s.ID}
	if s.To == "" {
		m.Recipient = s.Recipient // a customer who does not share their number: by BSUID
	}
	if s.Context != "" {
		m.Context = &msgContext{MessageID: s.Context}
	}
	if t := s.Template; t != nil {
		m.Type = "template"
		m.Template = &templateBody{Name: t.Name, Language: language{Code: t.Language}}
		if len(t.Params) > 0 {
			c := component{Type: "body"}
			for _, p := range t.Params {
				c.Parameters = append(c.Parameters, parameter{Type: "text", Text: p})
			}
			m.Template.Components = []component{c}
		}
	} else {
		m.Type, m.Text = "text", &textBody{Body: s.Text}
	}
	return json.Marshal(m)
}

// Send posts one reply and returns the wamid WhatsApp gave it. Its errors are *APIError (an
// answer), *NotSentError (WhatsApp never saw the request) or *LostError (it may have).
func (c *Client) Send(ctx context.Context, s inbox.Send) (string, error) {
	body, err := Body(s)
	if err != nil {
		return "", &NotSentError{err}
	}
	var out struct {
		Messages []struct {
			ID string `json:"id"`
		} `json:"messages"`
	}
	if err := c.do(ctx, http.MethodPost, c.url(c.cfg.PhoneID, "messages"), body, &out); err != nil {
		return "", err
	}
	if len(out.Messages) == 0 || out.Messages[0].ID == "" {
		// accepted, but with no id: treated as lost (a status may still name it by our id)
		return "", &LostError{errors.New("WhatsApp answered 200 without a message id")}
	}
	return out.Messages[0].ID, nil
}

func (c *Client) url(parts ...string) string {
	p := []string{c.cfg.BaseURL, c.cfg.Version}
	for _, x := range parts {
		p = append(p, url.PathEscape(x))
	}
	return strings.Join(p, "/")
}

// do runs one request; out gets the JSON of a 2xx answer.
func (c *Client) do(ctx context.Context, method, u string, body []byte, out any) error {
	if c.cfg.Token == nil {
		return &NotSentError{errors.New("no access token configured")}
	}
	tok, err := c.cfg.Token()
	if err != nil {
		return &NotSentError{err}
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	wrote := false
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { wrote = true }})
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return &NotSentError{err}
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if wrote && method == http.MethodPost {
			return &LostError{err}
		}
		return &NotSentError{err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		if resp.StatusCode/100 == 2 && method == http.MethodPost {
			return &LostError{err}
		}
		return &NotSentError{err}
	}
	if resp.StatusCode/100 != 2 {
		e := &APIError{HTTPStatus: resp.StatusCode}
		var wrap struct {
			Error struct {
				APIError
				Data struct {
					Details string `json:"details"`
				} `json:"error_data"`
			} `json:"error"`
		}
		if json.Unmarshal(raw, &wrap) == nil {
			*e = wrap.Error.APIError
			e.HTTPStatus, e.Details = resp.StatusCode, wrap.Error.Data.Details
		}
		return e
	}
	if err := json.Unmarshal(raw, out); err != nil {
		if method == http.MethodPost {
			return &LostError{fmt.Errorf("unreadable answer: %v", err)}
		}
		return &NotSentError{fmt.Errorf("unreadable answer: %v", err)}
	}
	return nil
}

// maxTemplatePages bounds the walk of the template pages (100 templates each; WhatsApp allows an
// account a few hundred templates).
const maxTemplatePages = 1000

// Templates reads every message template of the WhatsApp Business Account, following the
// paging links (each page once; a template named twice is kept once).
func (c *Client) Templates(ctx context.Context) ([]domain.Template, error) {
	if c.cfg.WABAID == "" {
		return nil, errors.New("no WhatsApp Business Account id: give --waba-id or SWITCHBOARD_WABA_ID")
	}
	u := c.url(c.cfg.WABAID, "message_templates") + "?limit=100&fields=name,language,status,category,components"
	var out []domain.Template
	seen := map[[2]string]bool{} // name and language: a template is listed once
	read := map[string]bool{}    // the pages read: a next link back to one of them ends the walk
	for page := 0; u != ""; page++ {
		if read[u] {
			return nil, fmt.Errorf("the API's pages of templates loop back to one already read (after %d pages): nothing was synced; check --graph-url", page)
		}
		if page == maxTemplatePages {
			return nil, fmt.Errorf("the account has more than %d pages of templates: nothing was synced", maxTemplatePages)
		}
		read[u] = true
		var res struct {
			Data []struct {
				Name       string `json:"name"`
				Language   string `json:"language"`
				Status     string `json:"status"`
				Category   string `json:"category"`
				Components []struct {
					Type string `json:"type"`
					Text string `json:"text"`
				} `json:"components"`
			} `json:"data"`
			Paging struct {
				Next string `json:"next"`
			} `json:"paging"`
		}
		if err := c.do(ctx, http.MethodGet, u, nil, &res); err != nil {
			return nil, err
		}
		for _, d := range res.Data {
			t := domain.Template{Name: d.Name, Language: d.Language, Status: strings.ToUpper(d.Status), Category: strings.ToUpper(d.Category)}
			for _, comp := range d.Components {
				if strings.EqualFold(comp.Type, "BODY") {
					t.Body = comp.Text
				}
			}
			t.Params = countParams(t.Body)
			if k := [2]string{t.Name, t.Language}; !seen[k] {
				seen[k] = true
				out = append(out, t)
			}
		}
		u = res.Paging.Next
		if u != "" && !strings.HasPrefix(u, c.cfg.BaseURL+"/") {
			return nil, fmt.Errorf("the next page of templates is at %s, not under %s: refused", u, c.cfg.BaseURL)
		}
	}
	return out, nil
}

// countParams is the highest {{n}} of a template body.
func countParams(body string) int {
	n := 0
	for i := 0; i < len(body); i++ {
		if strings.HasPrefix(body[i:], "{{") {
			j := strings.Index(body[i:], "}}")
			if j < 0 {
				break
			}
			var k int
			if _, err := fmt.Sscanf(strings.TrimSpace(body[i+2:i+j]), "%d", &k); err == nil && k > n {
				n = k
			}
			i += j
		}
	}
	return n
}
