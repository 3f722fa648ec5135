/* gen_text.c - word lists and sentence templates for generated rows. Some values deliberately
   carry commas, double quotes, line breaks, Korean and emoji, so files exercise quoting. */
#include "load/gen_text.h"

#include <stdio.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *const skills[] = {
    "Python",      "Java",       "Go",          "Rust",           "C++",           "C#",
    "SQL",         "Kubernetes", "React",       "TypeScript",     "Node.js",       "PyTorch",
    "TensorFlow",  "Spark",      "AWS",         "Docker",         "PostgreSQL",    "Redis",
    "Kafka",       "Scala",      "GraphQL",     "gRPC",           "Terraform",     "Airflow",
    "데이터 분석", "머신러닝",   "자연어 처리", "\"Clean\" Code", "R&D, Research", "Swift",
    "Kotlin",      "Elixir"};

static const char *const companies[] = {"Acme Corp",
                                        "Globex",
                                        "Initech",
                                        "Umbrella, Inc.",
                                        "Stark \"Industries\"",
                                        "네이버",
                                        "카카오뱅크",
                                        "Wayne Enterprises",
                                        "Hooli",
                                        "Tyrell Corp",
                                        "Cyberdyne Systems",
                                        "Zoë Labs",
                                        "Soylent Co.",
                                        "Massive Dynamic",
                                        "주식회사 데이터랩",
                                        "Blue Sun, Ltd."};

static const char *const english[] = {"",         "Beginner", "Intermediate",
                                      "Advanced", "Fluent",   "Native"};

static const char *const categories[] = {
    "Backend", "Frontend",    "Data Engineering", "Machine Learning",  "DevOps",
    "Mobile",  "백엔드 개발", "Full-stack, Web",  "QA \"Automation\"", "Security"};

static const char *const openers[] = {"Built %s services for %d years.",
                                      "Led the \"%s\" migration, cutting costs by 30%%.",
                                      "Maintains %s pipelines; on call every %d weeks.",
                                      "%s 기반 서비스를 %d년 동안 개발했습니다.",
                                      "Shipped a %s platform 🚀 used by %d teams.",
                                      "Mentored juniors in %s, ran %d workshops."};

static const char *const closers[] = {
    "Looking for a remote role.", "Open to relocation, visa needed.",
    "Prefers small teams; \"move fast\" culture.", "한국어, English 가능.",
    "Enjoys code review, testing and docs."};

const char *es_gen_skill(uint64_t *s) { return skills[es_gen_below(s, COUNT(skills))]; }

void es_gen_uuid7(es_buf *b, uint64_t *s, uint64_t seed, uint64_t row) {
  /* 48-bit millisecond timestamp from 2024-01-01 plus the row number keeps keys unique. */
  uint64_t ts = (1704067200000ull + (seed % 1000000) * 1000000 + row) & 0xffffffffffffull;
  uint64_t r1 = es_gen_next(s), r2 = es_gen_next(s);
  es_buf_clear(b);
  es_buf_printf(b, "%08llx-%04llx-7%03llx-%04llx-%012llx", (unsigned long long)(ts >> 16),
                (unsigned long long)(ts & 0xffff), (unsigned long long)(r1 & 0xfff),
                (unsigned long long)(0x8000 | ((r1 >> 12) & 0x3fff)),
                (unsigned long long)(r2 & 0xffffffffffffull));
}

void es_gen_skill_name(es_buf *b, uint64_t row) {
  uint64_t n = COUNT(skills);
  es_buf_clear(b);
  /* (row % n, row / n) is unique per row, and no listed name ends in " <number>". */
  if (row < n)
    es_buf_puts(b, skills[row]);
  else
    es_buf_printf(b, "%s %llu", skills[row % n], (unsigned long long)(row / n + 1));
}

static void resume(es_buf *b, uint64_t *s) {
  int k, sentences = 1 + (int)es_gen_below(s, 3);
  for (k = 0; k < sentences; k++) {
    if (k) es_buf_puts(b, es_gen_below(s, 4) ? " " : "\n");
    es_buf_printf(b, openers[es_gen_below(s, COUNT(openers))], es_gen_skill(s),
                  2 + (int)es_gen_below(s, 9));
  }
  if (es_gen_below(s, 2)) {
    es_buf_puts(b, "\n");
    es_buf_puts(b, closers[es_gen_below(s, COUNT(closers))]);
  }
}

void es_gen_text_field(es_buf *b, uint64_t *s, const char *field) {
  es_buf_clear(b);
  if (!strcmp(field, "company_name"))
    es_buf_puts(b, companies[es_gen_below(s, COUNT(companies))]);
  else if (!strcmp(field, "english_level"))
    es_buf_puts(b, english[es_gen_below(s, COUNT(english))]);
  else if (!strcmp(field, "primary_keyword"))
    es_buf_puts(b, es_gen_skill(s));
  else if (!strcmp(field, "position_category"))
    es_buf_puts(b, categories[es_gen_below(s, COUNT(categories))]);
  else if (!strcmp(field, "original_resume"))
    resume(b, s);
  else
    es_buf_printf(b, "%s %u", field, (unsigned)es_gen_below(s, 1000));
}
