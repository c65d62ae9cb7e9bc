/* disp_curve: optional CURVE encryption and authentication for the dispatcher's sockets, with CZMQ's key files
 * (zcert: a public file NAME and a secret file NAME_secret) and its ZAP authenticator (zauth), which admits clients
 * whose public key files are in a folder. Without keys nothing here is used and sockets stay unencrypted. */
#ifndef DISP_CURVE_H
#define DISP_CURVE_H

#include <stddef.h>

typedef struct disp_curve_t disp_curve_t;

/* The message property that names the sending client's CURVE public key (Z85), set by the authenticator. */
#define DISP_CURVE_KEY_PROPERTY "X-Robotaxi-Key"

/* Public key files the server admits at most (more in the folder is an error). */
#define DISP_CURVE_CLIENTS_MAX 10000

/* A server's CURVE set-up: its own key pair from secret_file (NAME_secret, or NAME when NAME_secret exists), and an
 * authenticator that admits only clients whose public key files are in clients_dir when the server starts (files
 * added later are not seen). The authenticator serves the sockets of CZMQ's context, so the server's sockets must
 * be made in disp_curve_context(). Every message from an admitted client carries its public key as the message
 * property DISP_CURVE_KEY_PROPERTY (zmq_msg_gets). NULL with a message naming the file or folder on failure. */
disp_curve_t *disp_curve_server_new (const char *secret_file, const char *clients_dir, char *err, size_t errlen);

/* NULL-safe; stops the authenticator; sets *self_p to NULL. */
void disp_curve_destroy (disp_curve_t **self_p);

/* The ZeroMQ context the server's sockets must live in (CZMQ's; never terminate it: CZMQ does at exit). */
void *disp_curve_context (disp_curve_t *self);

/* Makes sock (not yet bound) a CURVE server with the key pair. 0, or -1 with a message. */
int disp_curve_server_apply (disp_curve_t *self, void *sock, char *err, size_t errlen);

/* A client's keys, read from files: its own key pair and the server's public key. */
typedef struct {
    char public_txt[41], secret_txt[41], server_txt[41]; /* Z85 text */
} disp_curve_keys_t;

/* Reads a client's secret_file and the server's server_public_file. 0, or -1 with a message naming the file. */
int disp_curve_keys_load (disp_curve_keys_t *keys, const char *secret_file, const char *server_public_file, char *err,
                          size_t errlen);

/* Makes sock (not yet connected) a CURVE client with keys. 0, or -1 with a message. */
int disp_curve_client_apply (const disp_curve_keys_t *keys, void *sock, char *err, size_t errlen);

/* Writes a new key pair: public to path, secret to path_secret. 0, or -1 with a message. */
int disp_curve_keygen (const char *path, char *err, size_t errlen);

#endif
