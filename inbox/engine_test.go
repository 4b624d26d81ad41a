package inbox

import "switchboard/data"

// openInbox opens the workspace file at path with the bbolt engine and starts its inbox.
func openInbox(path string, opt Options) (*Service, error) {
	st, err := data.Open(path)
	if err != nil {
		return nil, err
	}
	s, err := New(st, opt)
	if err != nil {
		st.Close()
		return nil, err
	}
	return s, nil
}
