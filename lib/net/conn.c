/*
 * conn.c - TCP connections with a timeout on every step, and OpenSSL TLS
 * (1.2 or newer, system store plus --cafile, host name check and SNI,
 * sha256 pins).  The only file of lib/net that touches sockets.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "eml_priv.h"
#include "net/eml_net.h"

struct eml_conn {
	int fd;
	struct eml_conn_opts o;
	SSL_CTX *ctx;
	SSL *ssl;
	uint64_t nread;			/* plaintext bytes read before TLS */
	char host[256];
	unsigned port;
	char err[768];
	char tlsinfo[128];
	char fp[7 + 32 * 3 + 1];
};

static const char *
scheme_hint(const struct eml_conn *c, enum eml_tls_mode tls)
{
	if (c->o.proto == 0)
		return tls == EML_TLS_IMPLICIT ? "the implicit-TLS scheme" :
		    "the STARTTLS scheme";
	return eml_url_scheme(c->o.proto, tls);
}

void
eml_conn_set_error(struct eml_conn *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
}

void
eml_conn_info(struct eml_conn *c, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	if (c->o.trace == NULL || c->o.trace->fn == NULL)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	c->o.trace->fn(c->o.trace->ctx, EML_TRACE_INFO, c->ssl != NULL, line,
	    EMLI_MIN((size_t)n, sizeof(line) - 1));
}

struct eml_conn *
eml_conn_new(const struct eml_conn_opts *o)
{
	struct eml_conn *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->fd = -1;
	if (o != NULL)
		c->o = *o;
	if (c->o.connect_timeout == 0)
		c->o.connect_timeout = 30000;
	if (c->o.handshake_timeout == 0)
		c->o.handshake_timeout = 30000;
	if (c->o.io_timeout == 0)
		c->o.io_timeout = 120000;
	return c;
}

static int
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

struct eml_conn *
eml_conn_new_fd(const struct eml_conn_opts *o, int fd)
{
	struct eml_conn *c = eml_conn_new(o);

	if (c == NULL)
		return NULL;
	c->fd = fd;
	set_nonblock(fd);
	snprintf(c->host, sizeof(c->host), "localhost");
	return c;
}

void
eml_conn_free(struct eml_conn *c)
{
	if (c == NULL)
		return;
	if (c->ssl != NULL) {
		/* a quiet close: the peer may be gone already */
		SSL_set_quiet_shutdown(c->ssl, 1);
		SSL_free(c->ssl);
	}
	SSL_CTX_free(c->ctx);
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for events on fd until deadline: 1 ready, 0 timed out, <0 error */
static int
wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd pfd;
	int64_t left;
	int r;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0)
			return 0;
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		r = poll(&pfd, 1, (int)EMLI_MIN(left, 0x7fffffff));
		if (r > 0)
			return 1;
		if (r == 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

int
eml_conn_connect(struct eml_conn *c, const char *host, unsigned port)
{
	struct addrinfo hints, *res = NULL, *ai;
	char portstr[8], addr[INET6_ADDRSTRLEN];
	int64_t deadline = now_ms() + c->o.connect_timeout;
	int fd = -1, r, soerr, result = EML_ECONNECT, lasterr = 0;
	socklen_t sl;

	emli_strlcpy(c->host, host, strlen(host), sizeof(c->host));
	c->port = port;
	snprintf(portstr, sizeof(portstr), "%u", port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	if ((r = getaddrinfo(host, portstr, &hints, &res)) != 0) {
		eml_conn_set_error(c, "cannot resolve host %s: %s", host,
		    gai_strerror(r));
		return EML_EDNS;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		getnameinfo(ai->ai_addr, ai->ai_addrlen, addr, sizeof(addr),
		    NULL, 0, NI_NUMERICHOST);
		eml_conn_info(c, "Trying %s:%u...", addr, port);
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd < 0) {
			lasterr = errno;
			continue;
		}
		if (c->o.bind_addr != NULL) {
			struct addrinfo *la = NULL;

			hints.ai_family = ai->ai_family;
			hints.ai_flags = AI_NUMERICHOST;
			if (getaddrinfo(c->o.bind_addr, NULL, &hints, &la) ||
			    bind(fd, la->ai_addr, la->ai_addrlen) < 0) {
				lasterr = errno;
				if (la != NULL)
					freeaddrinfo(la);
				close(fd);
				fd = -1;
				continue;
			}
			freeaddrinfo(la);
		}
		set_nonblock(fd);
		r = connect(fd, ai->ai_addr, ai->ai_addrlen);
		if (r < 0 && errno == EINPROGRESS) {
			r = wait_fd(fd, POLLOUT, deadline);
			if (r == 0) {
				result = EML_ETIMEOUT;
				lasterr = ETIMEDOUT;
				close(fd);
				fd = -1;
				break;
			}
			sl = sizeof(soerr);
			if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR,
			    &soerr, &sl) < 0)
				soerr = errno;
			r = soerr ? -1 : 0;
			errno = soerr;
		}
		if (r == 0)
			break;
		lasterr = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		if (result == EML_ETIMEOUT)
			eml_conn_set_error(c, "connecting to %s port %u: "
			    "no answer within %u ms", host, port,
			    c->o.connect_timeout);
		else
			eml_conn_set_error(c, "cannot connect to %s port %u: "
			    "%s%s", host, port, strerror(lasterr),
			    lasterr == ECONNREFUSED ?
			    " (is the server down, or is it another port?)" :
			    "");
		return result;
	}
	c->fd = fd;
	eml_conn_info(c, "Connected to %s.", host);
	return EML_OK;
}

/* Text for a failed certificate check, naming the cause (attack case 59;
 * the causes users meet are expiry, another host and a private CA). */
static void
cert_error(struct eml_conn *c, long v, const char *host)
{
	X509 *cert = SSL_get0_peer_certificate(c->ssl);
	char issuer[256] = "?";

	if (cert != NULL)
		X509_NAME_oneline(X509_get_issuer_name(cert), issuer,
		    sizeof(issuer));
	switch (v) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		eml_conn_set_error(c, "TLS: the server's certificate has "
		    "expired");
		break;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		eml_conn_set_error(c, "TLS: the server's certificate is not "
		    "valid yet (check the clock)");
		break;
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
		eml_conn_set_error(c, "TLS: wrong host name: the server's "
		    "certificate is not valid for %s", host);
		break;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
		eml_conn_set_error(c, "TLS: unknown CA: the server's "
		    "certificate (issuer %s) is not signed by a trusted "
		    "authority; add the CA with --cafile, or pin the "
		    "certificate with --fingerprint %s", issuer, c->fp);
		break;
	default:
		eml_conn_set_error(c, "TLS: certificate verification failed: "
		    "%s", X509_verify_cert_error_string(v));
	}
}

static void
ssl_errtext(char *buf, size_t size)
{
	unsigned long e = ERR_peek_last_error();

	if (e == 0)
		snprintf(buf, size, "%s", errno ? strerror(errno) :
		    "connection closed");
	else
		ERR_error_string_n(e, buf, size);
}

static void
fingerprint(struct eml_conn *c)
{
	X509 *cert = SSL_get0_peer_certificate(c->ssl);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0, i;
	char *p;

	c->fp[0] = '\0';
	if (cert == NULL || !X509_digest(cert, EVP_sha256(), md, &n) ||
	    n != 32)
		return;
	p = c->fp + sprintf(c->fp, "sha256:");
	for (i = 0; i < n; i++)
		p += sprintf(p, "%s%02X", i ? ":" : "", md[i]);
}

/* A pin is "sha256:" then 64 hex digits, with or without colons. */
static int
pin_match(const char *pin, const char *fp)
{
	const char *a, *b;

	if (strncasecmp(pin, "sha256:", 7) != 0 || fp[0] == '\0')
		return 0;
	a = pin + 7;
	b = fp + 7;
	for (;;) {
		while (*a == ':')
			a++;
		while (*b == ':')
			b++;
		if (*a == '\0' || *b == '\0')
			return *a == *b;
		if (EMLI_LOWER(*a) != EMLI_LOWER(*b))
			return 0;
		a++;
		b++;
	}
}

static int
is_ip(const char *host)
{
	unsigned char a[16];

	return inet_pton(AF_INET, host, a) == 1 ||
	    inet_pton(AF_INET6, host, a) == 1;
}

int
eml_conn_tls(struct eml_conn *c, const char *host)
{
	int64_t deadline = now_ms() + c->o.handshake_timeout;
	char peek[64], etext[256];
	ssize_t np;
	size_t i;
	long v;
	int r, e, w;

	if (host == NULL)
		host = c->host;
	if (c->ssl != NULL || c->fd < 0)
		return EML_EINVAL;
	/* Nothing may arrive between the STARTTLS reply and our
	 * ClientHello: such bytes would be read as if they came over TLS
	 * (CVE-2011-0411 class, attack case 55). */
	np = recv(c->fd, peek, sizeof(peek) - 1, MSG_PEEK | MSG_DONTWAIT);
	if (np > 0) {
		for (i = 0; i < (size_t)np; i++)
			if ((unsigned char)peek[i] < ' ' ||
			    (unsigned char)peek[i] > '~')
				peek[i] = '.';
		peek[np] = '\0';
		if (c->nread == 0)
			eml_conn_set_error(c, "the server sent a plaintext "
			    "greeting (\"%s\") where TLS was expected: for "
			    "this port use %s:// (STARTTLS)", peek,
			    scheme_hint(c, EML_TLS_STARTTLS));
		else
			eml_conn_set_error(c, "the server sent %zd byte%s "
			    "after its STARTTLS reply, before the TLS "
			    "handshake (\"%s\"); refusing them (injection "
			    "attempt?)", np, np == 1 ? "" : "s", peek);
		return EML_EPROTO;
	}
	ERR_clear_error();
	if ((c->ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		return EML_ENOMEM;
	/* attack case 61: TLS 1.2 or newer, the library's ciphers */
	SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
	SSL_CTX_set_default_verify_paths(c->ctx);
	if (c->o.cafile != NULL &&
	    !SSL_CTX_load_verify_locations(c->ctx, c->o.cafile, NULL)) {
		ssl_errtext(etext, sizeof(etext));
		eml_conn_set_error(c, "TLS: cannot load CA file %s: %s",
		    c->o.cafile, etext);
		return EML_ETLS;
	}
	w = c->o.npins == 0 && !c->o.insecure;
	SSL_CTX_set_verify(c->ctx, w ? SSL_VERIFY_PEER : SSL_VERIFY_NONE,
	    NULL);
	if ((c->ssl = SSL_new(c->ctx)) == NULL)
		return EML_ENOMEM;
	if (is_ip(host))
		X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), host);
	else {
		char sni[256];

		/* the macro casts away const, which -Wcast-qual refuses */
		emli_strlcpy(sni, host, strlen(host), sizeof(sni));
		SSL_set_tlsext_host_name(c->ssl, sni);
		SSL_set1_host(c->ssl, host);
		/* attack case 59: no "*.com", no partial labels */
		SSL_set_hostflags(c->ssl,
		    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	}
	SSL_set_fd(c->ssl, c->fd);
	for (;;) {
		ERR_clear_error();
		errno = 0;
		r = SSL_connect(c->ssl);
		if (r == 1)
			break;
		e = SSL_get_error(c->ssl, r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			r = wait_fd(c->fd, e == SSL_ERROR_WANT_READ ? POLLIN :
			    POLLOUT, deadline);
			if (r > 0)
				continue;
			eml_conn_set_error(c, "TLS handshake with %s timed "
			    "out after %u ms", host, c->o.handshake_timeout);
			return EML_ETIMEOUT;
		}
		fingerprint(c);
		v = SSL_get_verify_result(c->ssl);
		if (w && v != X509_V_OK) {
			cert_error(c, v, host);
			return EML_ETLS;
		}
		e = ERR_GET_REASON(ERR_peek_last_error());
		ssl_errtext(etext, sizeof(etext));
		if (e == SSL_R_WRONG_VERSION_NUMBER ||
		    e == SSL_R_PACKET_LENGTH_TOO_LONG ||
		    e == SSL_R_UNKNOWN_PROTOCOL)
			eml_conn_set_error(c, "TLS handshake failed: the "
			    "server does not answer in TLS (%s); if it "
			    "greets in plaintext, use %s:// (STARTTLS)",
			    etext, scheme_hint(c, EML_TLS_STARTTLS));
		else
			eml_conn_set_error(c, "TLS handshake with %s failed: "
			    "%s", host, etext);
		return EML_ETLS;
	}
	fingerprint(c);
	if (c->o.npins > 0) {
		for (i = 0; i < c->o.npins; i++)
			if (pin_match(c->o.pins[i], c->fp))
				break;
		if (i == c->o.npins) {
			eml_conn_set_error(c, "TLS: the server's certificate "
			    "(%s) matches none of the --fingerprint pins",
			    c->fp);
			return EML_ETLS;
		}
	}
	snprintf(c->tlsinfo, sizeof(c->tlsinfo), "%s %s",
	    SSL_get_version(c->ssl), SSL_get_cipher_name(c->ssl));
	eml_conn_info(c, "TLS started: %s", c->tlsinfo);
	eml_conn_info(c, "TLS certificate %s%s", c->fp, c->o.insecure ?
	    " (NOT verified: --insecure)" : c->o.npins ? " (pinned)" :
	    " (verified)");
	return EML_OK;
}

int
eml_conn_open_url(struct eml_conn *c, const struct eml_url *u)
{
	int r;

	if (c->o.proto == 0)
		c->o.proto = u->proto;
	if ((r = eml_conn_connect(c, c->o.connect_host ? c->o.connect_host :
	    u->host, u->port)) < 0)
		return r;
	emli_strlcpy(c->host, u->host, strlen(u->host), sizeof(c->host));
	if (u->tls == EML_TLS_IMPLICIT)
		return eml_conn_tls(c, u->host);
	return EML_OK;
}

int
eml_conn_read(struct eml_conn *c, void *p, size_t n, size_t *got_r)
{
	int64_t deadline = now_ms() + c->o.io_timeout;
	char etext[256];
	ssize_t r;
	size_t got;
	int e;

	*got_r = 0;
	for (;;) {
		if (c->ssl != NULL) {
			ERR_clear_error();
			errno = 0;
			if (SSL_read_ex(c->ssl, p, n, &got) == 1) {
				*got_r = got;
				return EML_OK;
			}
			e = SSL_get_error(c->ssl, 0);
			if (e == SSL_ERROR_ZERO_RETURN)
				return EML_OK;
			if (e == SSL_ERROR_WANT_READ ||
			    e == SSL_ERROR_WANT_WRITE) {
				r = wait_fd(c->fd, e == SSL_ERROR_WANT_READ ?
				    POLLIN : POLLOUT, deadline);
				if (r > 0)
					continue;
				goto timeout;
			}
			if (e == SSL_ERROR_SYSCALL && errno == 0)
				return EML_OK;	/* closed without close_notify */
			if (e == SSL_ERROR_SSL && ERR_GET_REASON(
			    ERR_peek_last_error()) ==
			    SSL_R_UNEXPECTED_EOF_WHILE_READING)
				return EML_OK;
			ssl_errtext(etext, sizeof(etext));
			eml_conn_set_error(c, "TLS read from %s: %s", c->host,
			    etext);
			return EML_ETLS;
		}
		r = recv(c->fd, p, n, 0);
		if (r >= 0) {
			c->nread += (uint64_t)r;
			*got_r = (size_t)r;
			return EML_OK;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			if (errno == ECONNRESET)
				return EML_OK;
			eml_conn_set_error(c, "read from %s: %s", c->host,
			    strerror(errno));
			return EML_EIO;
		}
		if ((r = wait_fd(c->fd, POLLIN, deadline)) <= 0)
			goto timeout;
	}
timeout:
	eml_conn_set_error(c, "no data from %s within %u ms", c->host,
	    c->o.io_timeout);
	return EML_ETIMEOUT;
}

int
eml_conn_write(struct eml_conn *c, const void *p, size_t n)
{
	const char *s = p;
	char etext[256];
	int64_t deadline;
	size_t done;
	ssize_t r;
	int e;

	while (n > 0) {
		deadline = now_ms() + c->o.io_timeout;
		if (c->ssl != NULL) {
			ERR_clear_error();
			errno = 0;
			if (SSL_write_ex(c->ssl, s, n, &done) == 1) {
				s += done;
				n -= done;
				continue;
			}
			e = SSL_get_error(c->ssl, 0);
			if (e == SSL_ERROR_WANT_READ ||
			    e == SSL_ERROR_WANT_WRITE) {
				if (wait_fd(c->fd, e == SSL_ERROR_WANT_READ ?
				    POLLIN : POLLOUT, deadline) > 0)
					continue;
				goto timeout;
			}
			ssl_errtext(etext, sizeof(etext));
			eml_conn_set_error(c, "TLS write to %s: %s", c->host,
			    etext);
			return EML_EIO;
		}
		/* MSG_NOSIGNAL: a server gone mid-DATA is an error, not a
		 * SIGPIPE death (attack case 44) */
		r = send(c->fd, s, n, MSG_NOSIGNAL);
		if (r > 0) {
			s += r;
			n -= (size_t)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (wait_fd(c->fd, POLLOUT, deadline) > 0)
				continue;
			goto timeout;
		}
		eml_conn_set_error(c, "write to %s: %s", c->host,
		    strerror(errno));
		return EML_EIO;
	}
	return EML_OK;
timeout:
	eml_conn_set_error(c, "%s accepted no data within %u ms", c->host,
	    c->o.io_timeout);
	return EML_ETIMEOUT;
}

int
eml_conn_is_tls(const struct eml_conn *c)
{
	return c->ssl != NULL && c->tlsinfo[0] != '\0';
}

const char *
eml_conn_tls_info(const struct eml_conn *c)
{
	return c->tlsinfo;
}

const char *
eml_conn_fingerprint(const struct eml_conn *c)
{
	return c->fp;
}

const char *
eml_conn_errmsg(const struct eml_conn *c)
{
	return c->err;
}

const char *
eml_conn_host(const struct eml_conn *c)
{
	return c->host;
}

unsigned
eml_conn_port(const struct eml_conn *c)
{
	return c->port;
}
