package inbox

import (
	"context"
	"switchboard/routing"
)

// EventKind says what changed.
type EventKind string

const (
	// EventConversation: a conversation (and maybe its contact) changed or got a new entry.
	EventConversation EventKind = "conversation"
	// EventConfig: settings, operators, teams, contacts or rules changed.
	EventConfig EventKind = "config"
	// EventNotification: an operator got a notification.
	EventNotification EventKind = "notification"
	// EventReload: the subscriber fell behind and missed events; reload everything shown.
	EventReload EventKind = "reload"
	// EventHello opens a stream of events sent through a door: from it on, nothing is missed.
	EventHello EventKind = "hello"
	// EventRefused: a settings change was refused (Actor tried, Why says why). Nothing
	// changed; screens and the guided tour may show it.
	EventRefused EventKind = "refused"
)

// Event tells a subscriber that something changed. It carries ids, not data: the subscriber
// reads what it shows.
type Event struct {
	Kind    EventKind `json:"kind"`
	Contact string    `json:"contact,omitempty"`
	To      string    `json:"to,omitempty"` // notification recipient
	Actor   string    `json:"actor,omitempty"`
	Why     string    `json:"why,omitempty"`
	Reason  string    `json:"reason,omitempty"`
	// Channel and Assignee describe an inbound event's routing (banners and toasts).
	Channel  routing.Channel `json:"channel,omitempty"`
	Outcome  CallOutcome     `json:"outcome,omitempty"` // calls: ringing, answered or missed
	Assignee string          `json:"assignee,omitempty"`
	Prompt   bool            `json:"prompt,omitempty"`
}

type subscriber struct {
	ch     chan Event
	lagged bool
}

// Subscribe returns a stream of change events until ctx ends (the channel is then closed). A
// subscriber that does not keep up never slows a writer: its missed events are replaced by one
// EventReload.
func (s *Service) Subscribe(ctx context.Context) <-chan Event {
	sub := &subscriber{ch: make(chan Event, 256)}
	s.subMu.Lock()
	select {
	case <-s.quit:
		s.subMu.Unlock()
		close(sub.ch)
		return sub.ch
	default:
	}
	s.subs[sub] = struct{}{}
	s.subMu.Unlock()
	go func() {
		select {
		case <-ctx.Done():
		case <-s.quit:
			return // Close closes every channel
		}
		s.subMu.Lock()
		if _, ok := s.subs[sub]; ok {
			delete(s.subs, sub)
			close(sub.ch)
		}
		s.subMu.Unlock()
	}()
	return sub.ch
}

// publish queues the events for every subscriber. It never blocks.
func (s *Service) publish(events []Event) {
	if len(events) == 0 {
		return
	}
	s.subMu.Lock()
	defer s.subMu.Unlock()
	for sub := range s.subs {
		for _, e := range events {
			if sub.lagged {
				select {
				case sub.ch <- Event{Kind: EventReload}:
					sub.lagged = false
				default:
					continue
				}
			}
			select {
			case sub.ch <- e:
			default:
				sub.lagged = true
			}
		}
	}
}
