/* disp_curve: CURVE keys and the ZAP authenticator, through CZMQ (zcert for key files, zauth for admitting client
 * keys). The project's sockets are raw libzmq sockets; CZMQ's authenticator serves every socket of CZMQ's own
 * context, so a server that uses CURVE makes its sockets there. */
#include "disp_curve.h"
#include "map_error.h"

#include <czmq.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct disp_curve_t {
    zactor_t *auth;
    zcert_t *cert;
    void *ctx;
};

/* A certificate from path, with its secret key when want_secret. NULL with a message. */
static zcert_t *s_load (const char *path, int want_secret, char *err, size_t errlen)
{
    if (access (path, R_OK) != 0) {
        char secret[4096];
        snprintf (secret, sizeof secret, "%s_secret", path);
        if (access (secret, R_OK) != 0) {
            map_error (err, errlen, "%s: %s", path, strerror (errno));
            return NULL;
        }
    }
    zcert_t *cert = zcert_load (path);
    if (!cert) {
        map_error (err, errlen, "%s: not a ZeroMQ key file (robotaxi-keygen writes them)", path);
        return NULL;
    }
    static const char no_key[41] = "0000000000000000000000000000000000000000";
    if (want_secret && strcmp (zcert_secret_txt (cert), no_key) == 0) {
        zcert_destroy (&cert);
        map_error (err, errlen, "%s: holds no secret key (give the NAME_secret file)", path);
        return NULL;
    }
    return cert;
}

/* The admitted clients: every public key file in dir, each tagged with its own key as metadata, which the
 * authenticator then hands to libzmq as a property of every message the client sends. NULL with a message. */
static zcertstore_t *s_client_store (const char *dir, char *err, size_t errlen)
{
    zcertstore_t *store = zcertstore_new (NULL); /* in memory: loaded once, never re-read behind our back */
    zdir_t *folder = store ? zdir_new (dir, NULL) : NULL;
    if (!folder) {
        zcertstore_destroy (&store);
        map_error (err, errlen, "%s: cannot read the folder of client keys", dir);
        return NULL;
    }
    zfile_t **files = zdir_flatten (folder);
    size_t admitted = 0;
    for (size_t i = 0; files && files[i]; i++) {
        if (!zfile_is_regular (files[i])) continue;
        zcert_t *cert = zcert_load (zfile_filename (files[i], NULL));
        if (!cert) continue;
        /* NAME and NAME_secret hold the same public key; the store takes each key once (a second insert aborts). */
        if (zcertstore_lookup (store, zcert_public_txt (cert))) {
            zcert_destroy (&cert);
            continue;
        }
        if (++admitted > DISP_CURVE_CLIENTS_MAX) {
            zcert_destroy (&cert);
            map_error (err, errlen, "%s: more than %d client keys", dir, DISP_CURVE_CLIENTS_MAX);
            zdir_flatten_free (&files);
            zdir_destroy (&folder);
            zcertstore_destroy (&store);
            return NULL;
        }
        zcert_set_meta (cert, DISP_CURVE_KEY_PROPERTY, "%s", zcert_public_txt (cert));
        zcertstore_insert (store, &cert);
    }
    zdir_flatten_free (&files);
    zdir_destroy (&folder);
    return store;
}

disp_curve_t *disp_curve_server_new (const char *secret_file, const char *clients_dir, char *err, size_t errlen)
{
    if (!zsys_has_curve ()) {
        map_error (err, errlen, "CURVE: this ZeroMQ library was built without it");
        return NULL;
    }
    struct stat st;
    if (stat (clients_dir, &st) != 0 || !S_ISDIR (st.st_mode)) {
        map_error (err, errlen, "%s: not a folder of client public keys", clients_dir);
        return NULL;
    }
    disp_curve_t *self = calloc (1, sizeof *self);
    if (!self) {
        map_error (err, errlen, "CURVE: out of memory");
        return NULL;
    }
    self->cert = s_load (secret_file, 1, err, errlen);
    if (!self->cert) goto fail;
    /* CZMQ would take over SIGINT and SIGTERM; the service has its own handler, which must keep working. */
    zsys_handler_set (NULL);
    self->ctx = zsys_init ();
    zcertstore_t *store = self->ctx ? s_client_store (clients_dir, err, errlen) : NULL;
    if (!store) {
        if (!self->ctx) map_error (err, errlen, "CURVE: cannot start ZeroMQ");
        goto fail;
    }
    self->auth = zactor_new (zauth, store); /* takes the store */
    if (!self->auth) {
        map_error (err, errlen, "CURVE: cannot start the authenticator");
        goto fail;
    }
    return self;
fail:
    disp_curve_destroy (&self);
    return NULL;
}

void disp_curve_destroy (disp_curve_t **self_p)
{
    if (!self_p || !*self_p) return;
    disp_curve_t *self = *self_p;
    zactor_destroy (&self->auth);
    zcert_destroy (&self->cert);
    free (self);
    *self_p = NULL;
}

void *disp_curve_context (disp_curve_t *self)
{
    return self->ctx;
}

int disp_curve_server_apply (disp_curve_t *self, void *sock, char *err, size_t errlen)
{
    int on = 1;
    const char *pub = zcert_public_txt (self->cert), *sec = zcert_secret_txt (self->cert);
    if (zmq_setsockopt (sock, ZMQ_CURVE_SERVER, &on, sizeof on) ||
        zmq_setsockopt (sock, ZMQ_CURVE_PUBLICKEY, pub, strlen (pub)) ||
        zmq_setsockopt (sock, ZMQ_CURVE_SECRETKEY, sec, strlen (sec)))
        return map_error (err, errlen, "CURVE: %s", zmq_strerror (zmq_errno ()));
    return 0;
}

int disp_curve_keys_load (disp_curve_keys_t *keys, const char *secret_file, const char *server_public_file, char *err,
                          size_t errlen)
{
    if (!zsys_has_curve ()) return map_error (err, errlen, "CURVE: this ZeroMQ library was built without it");
    zcert_t *own = s_load (secret_file, 1, err, errlen);
    if (!own) return -1;
    zcert_t *server = s_load (server_public_file, 0, err, errlen);
    if (!server) {
        zcert_destroy (&own);
        return -1;
    }
    snprintf (keys->public_txt, sizeof keys->public_txt, "%s", zcert_public_txt (own));
    snprintf (keys->secret_txt, sizeof keys->secret_txt, "%s", zcert_secret_txt (own));
    snprintf (keys->server_txt, sizeof keys->server_txt, "%s", zcert_public_txt (server));
    zcert_destroy (&own);
    zcert_destroy (&server);
    return 0;
}

int disp_curve_client_apply (const disp_curve_keys_t *keys, void *sock, char *err, size_t errlen)
{
    if (zmq_setsockopt (sock, ZMQ_CURVE_SERVERKEY, keys->server_txt, 40) ||
        zmq_setsockopt (sock, ZMQ_CURVE_PUBLICKEY, keys->public_txt, 40) ||
        zmq_setsockopt (sock, ZMQ_CURVE_SECRETKEY, keys->secret_txt, 40))
        return map_error (err, errlen, "CURVE: %s", zmq_strerror (zmq_errno ()));
    return 0;
}

int disp_curve_keygen (const char *path, char *err, size_t errlen)
{
    zcert_t *cert = zcert_new ();
    if (!cert) return map_error (err, errlen, "%s: cannot make a key pair", path);
    int rc = zcert_save (cert, path);
    zcert_destroy (&cert);
    if (rc != 0) return map_error (err, errlen, "%s: cannot write the key files: %s", path, strerror (errno));
    return 0;
}
