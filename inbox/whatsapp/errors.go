package whatsapp

import (
	"errors"
	"fmt"
	"net/http"
)

// Class is what the sender does about an error.
type Class int

const (
	// Transient: try again later, with exponential backoff and jitter (throttling, WhatsApp
	// unavailable, a request that never reached it).
	Transient Class = iota
	// Permanent: the reply failed for good; the person is told what to do.
	Permanent
	// Auth: the access token was refused: the whole queue waits and admins are told.
	Auth
	// Lost: the request may have reached WhatsApp, its answer did not come back: unknown.
	Lost
)

// permanent are the Graph error codes a reply fails on for good, with what to do about it.
var permanent = map[int]string{
	131047: "outside the 24-hour window: WhatsApp accepts only an approved template now (reply --template NAME)",
	131026: "WhatsApp could not deliver it: the number may not be on WhatsApp, or the customer has not accepted the latest terms; check the number or reach them another way",
	100:    "WhatsApp refused a parameter of the message; check the number and the text (and a template's parameters), then retry",
	131008: "a required parameter is missing; check a template's parameters, then retry",
	131009: "a parameter value is not valid (too long, or the wrong kind); change the reply, then retry",
	131021: "the recipient is this business's own number",
	131030: "the number is not on the test number's allowed list: add it in the Meta app dashboard, or use a production number",
	131031: "the WhatsApp Business Account is locked or restricted: see WhatsApp Manager",
	131051: "WhatsApp does not support this kind of message",
	131062: "WhatsApp does not send this message to a customer known only by their business-scoped user id",
	132000: "the template's parameters do not match it: give one value per {{n}}",
	132001: "the template does not exist in that language: run `switchboard templates sync` and pick another",
	132005: "the template's text is too long once filled in: shorten the parameters",
	132007: "the template breaks WhatsApp's policy: pick another",
	132012: "the template's parameters are not in the format it expects",
	132015: "the template is paused for low quality: pick another",
	132016: "the template is disabled: pick another",
	470:    "outside the 24-hour window: WhatsApp accepts only an approved template now (reply --template NAME)",
	368:    "the business is temporarily blocked for policy violations: see WhatsApp Manager",
	131048: "WhatsApp limited sending from this number for spam (too many blocks or reports): see the number's quality in WhatsApp Manager",
}

// transient are the Graph error codes worth trying again after a pause.
var transient = map[int]string{
	1:      "WhatsApp had an unknown error",
	2:      "WhatsApp is temporarily unavailable",
	4:      "too many calls from this app (rate limit)",
	17:     "too many calls from this user (rate limit)",
	341:    "the application's rate limit was reached",
	80007:  "the WhatsApp Business Account's rate limit was reached",
	130429: "the number's throughput limit was reached",
	131056: "too many messages to this customer in a short time (pair rate limit)",
	131000: "WhatsApp had an error sending it",
	131016: "WhatsApp is overloaded",
	133004: "the WhatsApp server is temporarily unavailable",
}

// Classify says what the sender does about err and why, in a sentence a person can act on.
func Classify(err error) (Class, string) {
	var lost *LostError
	if errors.As(err, &lost) {
		return Lost, lost.Error()
	}
	var notSent *NotSentError
	if errors.As(err, &notSent) {
		return Transient, notSent.Error()
	}
	var api *APIError
	if !errors.As(err, &api) {
		return Transient, err.Error()
	}
	title := api.Title
	if title == "" {
		title = api.Message
	}
	say := func(what string) string {
		s := fmt.Sprintf("WhatsApp error %d", api.Code)
		if title != "" {
			s += " (" + title + ")"
		}
		return s + ": " + what
	}
	switch {
	case api.Code == 190 || api.Code == 0 && api.HTTPStatus == http.StatusUnauthorized:
		return Auth, say("the access token was refused (expired or revoked): put a valid one in the token file or SWITCHBOARD_WA_TOKEN")
	case api.Code == 10 || api.Code == 200:
		return Auth, say("the access token lacks the whatsapp_business_messaging permission: give it in the Meta app dashboard")
	}
	if why, ok := permanent[api.Code]; ok {
		return Permanent, say(why)
	}
	if why, ok := transient[api.Code]; ok {
		return Transient, say(why)
	}
	if api.HTTPStatus >= 500 || api.HTTPStatus == http.StatusTooManyRequests {
		return Transient, say("WhatsApp answered " + http.StatusText(api.HTTPStatus))
	}
	return Permanent, say("WhatsApp refused the message; see the error code in the Cloud API documentation")
}

// Explain is the sentence for a failure a delivery status reports (its errors[0]).
func Explain(code int, title, details string) string {
	_, s := Classify(&APIError{Code: code, Title: title, Details: details, HTTPStatus: http.StatusBadRequest})
	if details != "" && details != title {
		s += " — " + details
	}
	return s
}
