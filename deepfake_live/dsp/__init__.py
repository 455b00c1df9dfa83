"""Signal processing shared by training, inference and display."""

from deepfake_live.dsp.features import FeatureConfig, StreamingFeatures, compute_features, frame_count

__all__ = ["FeatureConfig", "StreamingFeatures", "compute_features", "frame_count"]
