/* test_http_datadir.c - API file name confinement (traversal, links, NUL), listing, HTTP statuses.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "http/datadir.h"
#include "http/jobs.h"
#include "tap.h"
#include "tmpdir.h"

static char base[256], data[300], outside[300];

static void touch(const char *dir, const char *name) {
  char p[600];
  FILE *f;
  snprintf(p, sizeof(p), "%s/%s", dir, name);
  f = fopen(p, "w");
  if (f) {
    fputs("x\n", f);
    fclose(f);
  }
}

static void write_file(const char *dir, const char *name, const char *text) {
  char p[1024];
  FILE *f;
  snprintf(p, sizeof(p), "%s/%s", dir, name);
  if ((f = fopen(p, "w"))) {
    fputs(text, f);
    fclose(f);
  }
}

/* The header names the domain: exactly its columns, in any order and quoting; failing that, the
   only domain whose columns are all there. Nothing for a binary format or a bad header. */
static void test_guess_header(void) {
  static const struct {
    const char *name, *text, *want;
  } cases[] = {
      {"a.csv", "id,company_name,exp_years,english_level,primary_keyword,vector\n", "recruit"},
      {"b.csv", "\"vector\",skill,\"position_category\"\r\n", "skill_embedding_dic"},
      {"c.csv", "candidate_id,position_category,experience_years,original_resume,skills,vector,x\n",
       "candidate"},
      {"d.csv", "skill,vector\n", NULL},
      {"e.csv", "", NULL},
      {"f.jsonl", "\n {\"skill\": \"s\", \"position_category\": \"p\", \"vector\": [1, 2]}\n{}\n",
       "skill_embedding_dic"},
      {"g.jsonl", "{\"sk\\u0069ll\":1,\"position_category\":{\"a\":[1]},\"vector\":null}\n",
       "skill_embedding_dic"},
      {"h.jsonl", "[1,2]\n", NULL},
      {"i.jsonl", "{\"skill\":1,\"position_category\":2,\"vector\":3\n", NULL},
  };
  char dir[300], path[600];
  size_t i;
  const char *got;
  snprintf(dir, sizeof(dir), "%s/guess", base);
  mkdir(dir, 0755);
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char fmt[16];
    write_file(dir, cases[i].name, cases[i].text);
    snprintf(path, sizeof(path), "%s/%s", dir, cases[i].name);
    es_datadir_format(cases[i].name, fmt, sizeof(fmt));
    got = es_datadir_guess_header(path, fmt);
    if (cases[i].want)
      CHECK_STR(got ? got : "(null)", cases[i].want);
    else
      CHECK(got == NULL);
  }
  CHECK(es_datadir_guess_header("/nonexistent/a.csv", "csv") == NULL);
  CHECK(es_datadir_guess_header(path, "pkl") == NULL);
}

/* Error messages never show the server's absolute paths. */
static void test_scrub(void) {
  char msg[256];
  snprintf(
      msg, sizeof(msg),
      "/srv/data/real/x.csv:3: bad; see /srv/data/other.csv in /srv/data, not /srv/database/y");
  es_datadir_scrub("/srv/data", "/srv/data/real/x.csv", "link.csv", msg, sizeof(msg));
  CHECK_STR(msg, "link.csv:3: bad; see other.csv in the data folder, not /srv/database/y");
  snprintf(msg, sizeof(msg), "/a/b.csv: no");
  es_datadir_scrub("/", "/a/b.csv", "b.csv", msg, sizeof(msg));
  CHECK_STR(msg, "b.csv: no");
  snprintf(msg, sizeof(msg), "x /r/f.csv");
  es_datadir_scrub("/r", "/r/f.csv", "a-much-longer-name-than-the-buffer-has-room-for.csv", msg,
                   12);
  CHECK_STR(msg, "x a-much-lo");
}

static void setup(void) {
  char p[600], q[600];
  td_make(base, sizeof(base), "datadir");
  snprintf(data, sizeof(data), "%s/data", base);
  snprintf(outside, sizeof(outside), "%s/outside", base);
  mkdir(data, 0755);
  mkdir(outside, 0755);
  snprintf(p, sizeof(p), "%s/nested", data);
  mkdir(p, 0755);
  touch(data, "recruit_a.csv");
  touch(data, "Candidate_B.jsonl");
  touch(data, "skills.csv");
  touch(data, "notes.txt");
  touch(data, ".hidden.csv");
  touch(data, "nested/inner.csv");
  snprintf(p, sizeof(p), "%s/nested/deeper", data);
  mkdir(p, 0755);
  write_file(p, "data.csv", "skill,position_category,vector\nsql,dev,[1]\n");
  snprintf(p, sizeof(p), "%s/.secret", data);
  mkdir(p, 0755);
  touch(p, "recruit_hidden_dir.csv");
  touch(outside, "secret.csv");
  snprintf(p, sizeof(p), "%s/secret.csv", outside);
  snprintf(q, sizeof(q), "%s/link_out.csv", data);
  if (symlink(p, q)) exit(2);
  snprintf(q, sizeof(q), "%s/dir_link", data);
  if (symlink(outside, q)) exit(2);
  snprintf(q, sizeof(q), "%s/link_in.csv", data);
  if (symlink("recruit_a.csv", q)) exit(2);
  snprintf(q, sizeof(q), "%s/dangling.csv", data);
  if (symlink("/nonexistent/x.csv", q)) exit(2);
}

static int resolve(const es_datadir *d, const char *name, size_t n, char **out) {
  es_error err;
  es_err_clear(&err);
  return es_datadir_resolve(d, name, n, out, &err);
}

static int resolve_s(const es_datadir *d, const char *name) {
  char *real = NULL;
  int rc = resolve(d, name, strlen(name), &real);
  CHECK((rc == 0) == (real != NULL));
  free(real);
  return rc;
}

static void test_resolve(const es_datadir *d) {
  char *real = NULL;
  char abs[600];
  CHECK_EQ_INT(resolve(d, "recruit_a.csv", 13, &real), 0);
  CHECK(real && !strncmp(real, d->root, d->rootlen) &&
        !strcmp(real + d->rootlen, "/recruit_a.csv"));
  free(real);
  CHECK_EQ_INT(resolve_s(d, "nested/inner.csv"), 0);
  CHECK_EQ_INT(resolve_s(d, "./recruit_a.csv"), 0);
  CHECK_EQ_INT(resolve_s(d, "link_in.csv"), 0);
  CHECK_EQ_INT(resolve_s(d, "missing.csv"), ES_ENOTFOUND);
  CHECK_EQ_INT(resolve_s(d, "nested/missing.csv"), ES_ENOTFOUND);
  CHECK_EQ_INT(resolve_s(d, "recruit_a.csv/x"), ES_ENOTFOUND);
  /* Refused: traversal, absolute, links out, directories, empty, NUL, invalid UTF-8. */
  CHECK_EQ_INT(resolve_s(d, "../outside/secret.csv"), ES_EINVAL);
  CHECK_EQ_INT(resolve_s(d, ".."), ES_EINVAL);
  CHECK_EQ_INT(resolve_s(d, "nested/../../outside/secret.csv"), ES_EINVAL);
  CHECK_EQ_INT(resolve_s(d, "nested/.."), ES_EINVAL);
  CHECK_EQ_INT(resolve_s(d, "nested/../recruit_a.csv"), ES_EINVAL); /* ".." at all */
  snprintf(abs, sizeof(abs), "%s/secret.csv", outside);
  CHECK_EQ_INT(resolve_s(d, abs), ES_EINVAL);
  snprintf(abs, sizeof(abs), "%s/recruit_a.csv", data);
  CHECK_EQ_INT(resolve_s(d, abs), ES_EINVAL); /* absolute even when inside */
  CHECK_EQ_INT(resolve_s(d, "link_out.csv"), ES_EINVAL);
  CHECK_EQ_INT(resolve_s(d, "dir_link/secret.csv"), ES_EINVAL);
  CHECK_EQ_INT(resolve_s(d, "nested"), ES_EINVAL);
  CHECK_EQ_INT(resolve_s(d, ""), ES_EINVAL);
  CHECK_EQ_INT(resolve(d, "recruit_a.csv\0.txt", 18, &real), ES_EINVAL);
  CHECK(real == NULL);
  CHECK_EQ_INT(resolve_s(d, "bad\xff.csv"), ES_EINVAL);
  CHECK_EQ_INT(resolve_s(d, "dangling.csv"), ES_ENOTFOUND);
  /* "..." and "..x" are ordinary names. */
  CHECK_EQ_INT(resolve_s(d, "...csv"), ES_ENOTFOUND);
  CHECK_EQ_INT(resolve_s(d, "..x/a.csv"), ES_ENOTFOUND);
}

static void test_list(const es_datadir *d) {
  es_buf b = ES_BUF_INIT;
  es_error err;
  CHECK_EQ_INT(es_datadir_list_json(d, &b, &err), 0);
  CHECK_CONTAINS(b.ptr,
                 "{\"name\":\"Candidate_B.jsonl\",\"size\":2,\"format\":\"jsonl\","
                 "\"domain\":\"candidate\",\"domain_from\":\"name\"}");
  CHECK_CONTAINS(b.ptr,
                 "{\"name\":\"recruit_a.csv\",\"size\":2,\"format\":\"csv\","
                 "\"domain\":\"recruit\",\"domain_from\":\"name\"}");
  /* Subfolders' files, named relative to the folder; the domain from the header row. */
  CHECK_CONTAINS(b.ptr,
                 "{\"name\":\"nested/inner.csv\",\"size\":2,\"format\":\"csv\","
                 "\"domain\":null,\"domain_from\":null}");
  CHECK_CONTAINS(b.ptr,
                 "{\"name\":\"nested/deeper/data.csv\",\"size\":43,\"format\":\"csv\","
                 "\"domain\":\"skill_embedding_dic\",\"domain_from\":\"header\"}");
  CHECK(!strstr(b.ptr, "dir_link/")); /* a link to a folder is not followed */
  CHECK_CONTAINS(b.ptr,
                 "\"name\":\"skills.csv\",\"size\":2,\"format\":\"csv\","
                 "\"domain\":\"skill_embedding_dic\"");
  CHECK_CONTAINS(b.ptr, "\"name\":\"link_in.csv\",\"size\":2,\"format\":\"csv\",\"domain\":null");
  CHECK(!strstr(b.ptr, "notes.txt"));
  CHECK(!strstr(b.ptr, "link_out"));
  CHECK(!strstr(b.ptr, "dangling"));
  CHECK(!strstr(b.ptr, "hidden"));
  CHECK(!strstr(b.ptr, ".secret"));
  CHECK(!strstr(b.ptr, "dir_link"));
  /* Sorted by name (byte order). */
  CHECK(strstr(b.ptr, "Candidate_B") < strstr(b.ptr, "link_in"));
  CHECK(strstr(b.ptr, "link_in") < strstr(b.ptr, "recruit_a"));
  es_buf_free(&b);
}

static void test_guess_and_status(void) {
  char fmt[16];
  CHECK_STR(es_datadir_guess_domain("RECRUIT_2024.csv"), "recruit");
  CHECK_STR(es_datadir_guess_domain("candidates.jsonl"), "candidate");
  CHECK_STR(es_datadir_guess_domain("skill_dic.csv"), "skill_embedding_dic");
  CHECK(es_datadir_guess_domain("data.csv") == NULL);
  es_datadir_format("a.b.CSV", fmt, sizeof(fmt));
  CHECK_STR(fmt, "csv");
  es_datadir_format("noext", fmt, sizeof(fmt));
  CHECK_STR(fmt, "");
  CHECK_EQ_INT(es_http_status_for(0), 200);
  CHECK_EQ_INT(es_http_status_for(ES_ENOTFOUND), 404);
  CHECK_EQ_INT(es_http_status_for(ES_EINVAL), 400);
  CHECK_EQ_INT(es_http_status_for(ES_EPRECOND), 400);
  CHECK_EQ_INT(es_http_status_for(ES_EUNAVAIL), 503);
  CHECK_EQ_INT(es_http_status_for(ES_EIO), 500);
  CHECK_EQ_INT(es_http_status_for_ingest(0, ES_INGEST_OK), 200);
  CHECK_EQ_INT(es_http_status_for_ingest(ES_ENOTFOUND, ES_INGEST_INPUT), 404);
  CHECK_EQ_INT(es_http_status_for_ingest(ES_EINVAL, ES_INGEST_INPUT), 400);
  CHECK_EQ_INT(es_http_status_for_ingest(ES_EIO, ES_INGEST_INPUT), 500);
  CHECK_EQ_INT(es_http_status_for_ingest(ES_ENOTFOUND, ES_INGEST_REJECTED),
               400); /* gRPC NOT_FOUND */
  CHECK_EQ_INT(es_http_status_for_ingest(ES_EPRECOND, ES_INGEST_REJECTED), 400);
  CHECK_EQ_INT(es_http_status_for_ingest(ES_EUNAVAIL, ES_INGEST_UNREACHABLE), 503);
  CHECK_EQ_INT(es_http_status_for_ingest(ES_EINTERNAL, ES_INGEST_FAILED), 500);
  CHECK_EQ_INT(es_http_status_for_ingest(ES_ECANCELLED, ES_INGEST_FAILED), 503);
}

int main(void) {
  es_datadir d;
  es_error err;
  setup();
  CHECK_EQ_INT(es_datadir_open(data, &d, &err), 0);
  test_resolve(&d);
  test_list(&d);
  test_guess_and_status();
  test_guess_header();
  test_scrub();
  es_datadir_close(&d);
  CHECK_EQ_INT(es_datadir_open(outside, &d, &err), 0);
  CHECK_EQ_INT(resolve_s(&d, "secret.csv"), 0);
  es_datadir_close(&d);
  CHECK(es_datadir_open("/nonexistent-dir", &d, &err) == ES_EUSAGE);
  td_remove(base);
  return tap_done("test_http_datadir");
}
