/**
 * Every page of the console, in one table: its path (":name" segments become params), its title,
 * and its navigation label when it is a top-level page. To add a page, write a component in
 * pages/ that takes PageProps and add one line here; the router, the <title> and the navigation
 * follow. The first matching path wins.
 */
import type { ComponentType } from 'preact';
import { VolumesPage } from './volumes/VolumesPage.js';
import { VolumeDetailPage } from './volumes/VolumeDetailPage.js';
import { SnapshotsPage } from './snapshots/SnapshotsPage.js';
import { BackupsPage } from './backups/BackupsPage.js';
import { BackupDetailPage } from './backups/BackupDetailPage.js';
import { PoliciesPage } from './policies/PoliciesPage.js';
import { PolicyDetailPage } from './policies/PolicyDetailPage.js';
import { SharingPage } from './sharing/SharingPage.js';
import { DashboardPage } from './dashboard/DashboardPage.js';
import { AdminPage } from './admin/AdminPage.js';
import { isCloudAdmin } from '../api/admin.js';
import type { Session } from '../api/session.js';




export interface PageProps {
  /** The path's parameters: { id } for /backups/:id. */
  params: Record<string, string>;
  query: URLSearchParams;
}

export interface PageDef {
  path: string;
  title: string;
  /** Shown in the navigation when set (top-level pages). */
  nav?: string;
  component: ComponentType<PageProps>;
  /** Whether the navigation shows the page to this session (all when absent). */
  shownTo?: (session: Session) => boolean;
}

export const PAGES: PageDef[] = [
  { path: '/', title: 'Dashboard', nav: 'Dashboard', component: DashboardPage },
  { path: '/volumes', title: 'Volumes', nav: 'Volumes', component: VolumesPage },
  { path: '/volumes/:id', title: 'Volume', component: VolumeDetailPage },
  { path: '/snapshots', title: 'Snapshots', nav: 'Snapshots', component: SnapshotsPage },
  { path: '/backups', title: 'Backups', nav: 'Backups', component: BackupsPage },
  { path: '/backups/:id', title: 'Backup', component: BackupDetailPage },
  { path: '/policies', title: 'Backup policies', nav: 'Policies', component: PoliciesPage },
  { path: '/policies/:id', title: 'Backup policy', component: PolicyDetailPage },
  { path: '/sharing', title: 'Sharing', nav: 'Sharing', component: SharingPage },
  { path: '/admin', title: 'Administration', nav: 'Admin', component: AdminPage, shownTo: isCloudAdmin },
];
