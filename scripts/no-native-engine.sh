#!/bin/sh
# Stand-in for Prisma's native schema engine, which is never downloaded here.
# Migrations run in-process through @prisma/schema-engine-wasm: use npm run db:migrate / db:status / db:new.
echo "kuaidai: the native Prisma schema engine is not used; run npm run db:migrate, db:status or db:new instead." >&2
exit 1
