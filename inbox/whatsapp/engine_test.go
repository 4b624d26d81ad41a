package whatsapp_test

import (
	"switchboard/data"
	"switchboard/inbox"
)

// openInbox opens the workspace file at path with the engine main wires in, and starts its inbox.
func openInbox(path string, opt inbox.Options) (*inbox.Service, error) {
	st, err := data.Open(path)
	if err != nil {
		return nil, err
	}
	s, err := inbox.New(st, opt)
	if err != nil {
		st.Close()
		return nil, err
	}
	return s, nil
}
