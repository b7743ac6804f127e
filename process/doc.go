// Package process is the privacy core of the album backend: it turns an
// uploaded photo or video into files that are safe to serve, plus the
// derivatives the apps show. It is a leaf: bytes or file paths in, bytes or
// files out; no HTTP, storage, database or queue code.
//
// # Image pipeline
//
// Processor.Image runs a fixed list of small steps (imgproxy style):
//
//  1. detect the type from content (Detect), never from names or headers;
//  2. HEIC only: read the declared size, then convert to JPEG (see below);
//  3. read the header (image.DecodeConfig of that format's own decoder) and
//     refuse more than MaxPixels or MaxSide before any pixel is decoded;
//  4. read the capture time (EXIF DateTimeOriginal and its offset, with
//     goexif's single-directory decoder behind our own bounds checks; a
//     HEIF file's Exif item located through iloc) and the EXIF orientation
//     (ReadOrientation), since stripping removes both;
//  5. strip by container structure with allow-lists (StripJPEG, StripPNG,
//     StripWebP, StripGIF): what is not known to be needed is dropped, so no
//     parser has to recognise GPS for it to go;
//  6. decode the stripped file once, under the shared decode budget; a JPEG
//     at the smallest scale (1/2, 1/4, 1/8) that still covers every
//     derivative, in the DCT domain (internal/jpegdec, the standard
//     library's decoder with a reduced inverse DCT, as libjpeg scales);
//  7. derive preview, thumb and card from that one decode, orientation
//     applied, encoded as JPEG with no metadata except the source's RGB ICC
//     profile, and a ThumbHash placeholder. A JPEG stays in Y, Cb and Cr
//     planes from decode to encode (deriveYCC, internal/jpegenc); other
//     formats are resized in RGB.
//
// The served JPEG original keeps its entropy-coded data byte for byte (it
// decodes to the same pixels) and gets back a minimal EXIF holding only
// Orientation, so viewers display it as before.
//
// # HEIC
//
// HEIC is never served as uploaded: its original is a full-size JPEG made
// from its pixels by exec'ing heif-convert (Debian package libheif-examples,
// libheif 1.15 with libde265), bounded by ToolTimeout and ctx and killed on
// cancel, on a private temp file. Why this and not the alternatives:
// ffmpeg 5.1 (Debian 12) has no HEIF demuxer; github.com/jdeng/goheif
// compiles a vendored, old libde265 through cgo into our binary (a C decoder
// of hostile input inside the worker process, and slow builds on 2 cores);
// libheif cgo bindings would also run C in-process. An external process
// confines decoder crashes to itself. The declared size (ispe) is checked
// against the limits before the tool runs. heif-convert applies the HEIF
// transforms, so its output is upright and its EXIF orientation is ignored;
// the JPEG it writes (which copies EXIF, GPS included) then goes through the
// normal JPEG steps, stripping included. Deployments must install
// libheif-examples; without it HEIC fails with a non-permanent error.
//
// # Video
//
// Processor.Video remuxes with ffmpeg (no re-encoding, first video and first
// audio stream, all metadata and chapters dropped, bitexact so no encoder
// tag), keeps the display rotation (ffmpeg 5.1 carries the display matrix as
// side data, which -map_metadata -1 does not touch; the result is checked
// with ffprobe), turns the empty udta box the MP4 muxer always writes into a
// free box in place, and then proves with its own bounded box walker
// (CheckVideoBoxes) that no udta, meta, keys, ©xyz, loci or uuid box is left.
// The poster frame (ffmpeg, upright by autorotate) goes through the image
// pipeline. The recording time comes from the container tags (Apple's
// creationdate key, else creation_time) read by ffprobe before the remux.
//
// Processor.Play makes the play variant of a stripped video: H.264 High,
// yuv420p, AAC, MP4 with +faststart, long edge at most 1280, upright with no
// rotation metadata, under nice with FFmpegThreads threads and
// TranscodeTimeout; or reports that the stripped original already plays
// everywhere. Its output passes the same box and SEI checks.
//
// # Errors
//
// Every error is a *Error with a stable Reason; Permanent tells the worker
// whether a retry can help.
package process
