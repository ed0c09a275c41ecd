/** server/contact: the one contact component post-loan jobs send through (contact rules, channel, ContactLog). */
export { ContactService, type ContactServiceDeps } from './contactService.js';
export { createContactService } from './createContactService.js';
