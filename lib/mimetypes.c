/*
 * mimetypes.c - a content type for a file name, from its extension
 * (eml_mime_type_for_name).  A built-in table of the types mail carries,
 * so that the result does not depend on the host's /etc/mime.types; the
 * types are the IANA-registered ones (RFC 6838) where one exists.
 */
#include <string.h>
#include <strings.h>

#include "eml_priv.h"

static const struct {
	const char *ext;
	const char *type;
} types[] = {
	{ "7z", "application/x-7z-compressed" },
	{ "aac", "audio/aac" },
	{ "avi", "video/x-msvideo" },
	{ "avif", "image/avif" },
	{ "bmp", "image/bmp" },
	{ "bz2", "application/x-bzip2" },
	{ "c", "text/x-c" },
	{ "css", "text/css" },
	{ "csv", "text/csv" },
	{ "diff", "text/x-diff" },
	{ "doc", "application/msword" },
	{ "docx", "application/vnd.openxmlformats-officedocument."
	    "wordprocessingml.document" },
	{ "eml", "message/rfc822" },
	{ "epub", "application/epub+zip" },
	{ "flac", "audio/flac" },
	{ "gif", "image/gif" },
	{ "gz", "application/gzip" },
	{ "h", "text/x-c" },
	{ "heic", "image/heic" },
	{ "htm", "text/html" },
	{ "html", "text/html" },
	{ "ics", "text/calendar" },
	{ "jpeg", "image/jpeg" },
	{ "jpg", "image/jpeg" },
	{ "js", "text/javascript" },
	{ "json", "application/json" },
	{ "log", "text/plain" },
	{ "m4a", "audio/mp4" },
	{ "md", "text/markdown" },
	{ "mov", "video/quicktime" },
	{ "mp3", "audio/mpeg" },
	{ "mp4", "video/mp4" },
	{ "odp", "application/vnd.oasis.opendocument.presentation" },
	{ "ods", "application/vnd.oasis.opendocument.spreadsheet" },
	{ "odt", "application/vnd.oasis.opendocument.text" },
	{ "ogg", "audio/ogg" },
	{ "patch", "text/x-diff" },
	{ "pdf", "application/pdf" },
	{ "png", "image/png" },
	{ "ppt", "application/vnd.ms-powerpoint" },
	{ "pptx", "application/vnd.openxmlformats-officedocument."
	    "presentationml.presentation" },
	{ "py", "text/x-python" },
	{ "rar", "application/vnd.rar" },
	{ "rtf", "application/rtf" },
	{ "sh", "application/x-sh" },
	{ "svg", "image/svg+xml" },
	{ "tar", "application/x-tar" },
	{ "tgz", "application/gzip" },
	{ "tif", "image/tiff" },
	{ "tiff", "image/tiff" },
	{ "txt", "text/plain" },
	{ "vcf", "text/vcard" },
	{ "wav", "audio/wav" },
	{ "webm", "video/webm" },
	{ "webp", "image/webp" },
	{ "xls", "application/vnd.ms-excel" },
	{ "xlsx", "application/vnd.openxmlformats-officedocument."
	    "spreadsheetml.sheet" },
	{ "xml", "application/xml" },
	{ "xz", "application/x-xz" },
	{ "zip", "application/zip" },
	{ "zst", "application/zstd" },
};

const char *
eml_mime_type_for_name(const char *name)
{
	const char *dot, *slash;
	size_t lo = 0, hi = sizeof(types) / sizeof(types[0]), mid;
	int c;

	if (name == NULL)
		return "application/octet-stream";
	slash = strrchr(name, '/');
	if (slash != NULL)
		name = slash + 1;
	/* "name.ext"; a leading dot (".profile") is not an extension */
	if ((dot = strrchr(name, '.')) == NULL || dot == name || dot[1] == '\0')
		return "application/octet-stream";
	dot++;
	while (lo < hi) {		/* the table is sorted by ext */
		mid = (lo + hi) / 2;
		if ((c = strcasecmp(dot, types[mid].ext)) == 0)
			return types[mid].type;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return "application/octet-stream";
}
