package imagebuilder

import (
	"context"
	"encoding/json"
	"time"

	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/ibemu/ibemu/internal/storage"
)

// buildHistory holds, in the image owner's scope, the states each build
// went through: request id of the call that started it → history (JSON).
// The emulator's web page draws a build's timeline from it.
var buildHistory = storage.NewTable[*wrapperspb.BytesValue]("imagebuilder.build-history")

// BuildHistory is the timeline of one image build.
type BuildHistory struct {
	// RequestID is that of the call that started the build (CreateImage,
	// StartImagePipelineExecution); the build's own checks are recorded in
	// the decision log under it.
	RequestID string `json:"requestId"`
	ImageARN  string `json:"imageArn"`
	Pipeline  string `json:"pipeline,omitempty"`
	// States are the image's states in order.
	States []BuildStateChange `json:"states"`
}

// BuildStateChange is one state an image build entered.
type BuildStateChange struct {
	Status string    `json:"status"`
	Time   time.Time `json:"time"`
	// Step names the workflow step that moved the build, if any.
	Step string `json:"step,omitempty"`
	// Reason is the failure reason of a FAILED state.
	Reason string `json:"reason,omitempty"`
}

// appendBuildState adds a state to the history of the build started by
// requestID, in tx; a repeat of the last state is not added.
func appendBuildState(tx *storage.Tx, sc storage.Scope, requestID, imageARN, pipeline string, ch BuildStateChange) error {
	if requestID == "" {
		return nil
	}
	key := []byte(requestID)
	h := &BuildHistory{RequestID: requestID, ImageARN: imageARN, Pipeline: pipeline}
	raw, found, err := buildHistory.Get(tx, sc, key)
	if err != nil {
		return err
	}
	if found {
		if err := json.Unmarshal(raw.GetValue(), h); err != nil {
			return err
		}
		if h.ImageARN != imageARN {
			// One request started another build (not expected): keep the first.
			return nil
		}
		if n := len(h.States); n > 0 && h.States[n-1].Status == ch.Status && h.States[n-1].Reason == ch.Reason {
			return nil
		}
	}
	h.States = append(h.States, ch)
	out, err := json.Marshal(h)
	if err != nil {
		return err
	}
	return buildHistory.Put(tx, sc, key, wrapperspb.Bytes(out))
}

// BuildHistory returns the timeline of the build that the request
// requestID, made in account and region, started; found is false when
// that request started no build there.
func (s *Service) BuildHistory(ctx context.Context, account, region, requestID string) (h *BuildHistory, found bool, err error) {
	sc := storage.Scope{Account: account, Region: region}
	err = s.db.View(ctx, func(tx *storage.Tx) error {
		raw, ok, err := buildHistory.Get(tx, sc, []byte(requestID))
		if err != nil || !ok {
			return err
		}
		h = &BuildHistory{}
		if err := json.Unmarshal(raw.GetValue(), h); err != nil {
			return err
		}
		found = true
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return h, found, nil
}
