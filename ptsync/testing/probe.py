"""What ffprobe reports about a stored file, for ``GET /videos/{id}/source``'s ``metadata``.

The fake never decodes video: every file is described as the 240p H.264 MP4 the recordings
uploaded, with the size and duration the fake assigned, so clients reading the metadata meet
ffprobe's real layout (format, one video stream, chapters).
"""

from __future__ import annotations

from typing import Any

WIDTH, HEIGHT, FPS = 320, 240, 15
_TIME_BASE = 15360
_DISPOSITIONS = (
    "dub",
    "forced",
    "lyrics",
    "comment",
    "default",
    "karaoke",
    "captions",
    "metadata",
    "original",
    "dependent",
    "still_image",
    "attached_pic",
    "descriptions",
    "clean_effects",
    "visual_impaired",
    "hearing_impaired",
    "timed_thumbnails",
)


def metadata(size: int, duration: int) -> dict[str, Any]:
    bit_rate = size * 8 // max(duration, 1)
    return {
        "format": {
            "size": size,
            "tags": {
                "encoder": "Lavf59.27.100",
                "major_brand": "isom",
                "minor_version": "512",
                "compatible_brands": "isomiso2avc1mp41",
            },
            "bit_rate": bit_rate,
            "duration": duration,
            "nb_streams": 1,
            "start_time": 0,
            "format_name": "mov,mp4,m4a,3gp,3g2,mj2",
            "nb_programs": 0,
            "probe_score": 100,
            "format_long_name": "QuickTime / MOV",
        },
        "streams": [_video_stream(bit_rate, duration)],
        "chapters": [],
    }


def _video_stream(bit_rate: int, duration: int) -> dict[str, Any]:
    return {
        "id": "0x1",
        "refs": 1,
        "tags": {
            "encoder": "Lavc59.37.100 libx264",
            "language": "und",
            "vendor_id": "[0][0][0][0]",
            "handler_name": "VideoHandler",
        },
        "index": 0,
        "level": 12,
        "width": WIDTH,
        "height": HEIGHT,
        "is_avc": "true",
        "pix_fmt": "yuv420p",
        "profile": "High",
        "bit_rate": bit_rate,
        "duration": duration,
        "codec_tag": "0x31637661",
        "nb_frames": duration * FPS,
        "start_pts": 0,
        "time_base": f"1/{_TIME_BASE}",
        "codec_name": "h264",
        "codec_type": "video",
        "film_grain": 0,
        "start_time": 0,
        "coded_width": WIDTH,
        "color_range": "unknown",
        "color_space": "unknown",
        "disposition": {name: int(name == "default") for name in _DISPOSITIONS},
        "duration_ts": duration * _TIME_BASE,
        "field_order": "progressive",
        "coded_height": HEIGHT,
        "has_b_frames": 2,
        "max_bit_rate": "N/A",
        "r_frame_rate": f"{FPS}/1",
        "avg_frame_rate": f"{FPS}/1",
        "color_transfer": "unknown",
        "extradata_size": 46,
        "nb_read_frames": "N/A",
        "chroma_location": "left",
        "closed_captions": 0,
        "codec_long_name": "H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10",
        "color_primaries": "unknown",
        "nal_length_size": 4,
        "nb_read_packets": "N/A",
        "codec_tag_string": "avc1",
        "bits_per_raw_sample": 8,
        "sample_aspect_ratio": "1:1",
        "display_aspect_ratio": "4:3",
    }
