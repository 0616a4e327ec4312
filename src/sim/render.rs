//! Turning a visible `Picture` into frames, drawing only when the picture changed.

use std::sync::Arc;

use image::RgbImage;

use super::layout::{HEIGHT, WIDTH};
use super::live::LiveVideo;
use super::nav::Nav;
use super::{overlay, screens};

/// Everything that determines the visible picture. Two equal pictures render
/// identical frames, which is how idle frames are detected without drawing.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Picture {
    Black,
    Boot {
        step: u32,
    },
    Menu {
        nav: Nav,
        overlays: Overlays,
    },
    Live {
        channel: usize,
        frame_index: u64,
        overlays: Overlays,
    },
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Overlays {
    /// Channel index whose banner is shown.
    pub banner: Option<usize>,
    /// Channel digits typed so far.
    pub digits: Option<String>,
    /// Volume level and mute flag while the volume bar is shown.
    pub volume: Option<(u8, bool)>,
}

/// Draws pictures and remembers enough to skip redundant work.
pub(crate) struct Renderer {
    /// Most recently drawn picture, reused while the picture is unchanged.
    cached: Option<(Picture, Arc<RgbImage>)>,
    /// Picture last returned by `changed_frame`, to report only changes.
    delivered: Option<Picture>,
    /// Menu screen without overlays, so showing or hiding an overlay skips the text drawing.
    menu_base: Option<(Nav, RgbImage)>,
    video: LiveVideo,
}

impl Renderer {
    pub(crate) fn new() -> Renderer {
        Renderer {
            cached: None,
            delivered: None,
            menu_base: None,
            video: LiveVideo::new(),
        }
    }

    /// The frame for `picture` if it differs from the one this returned last time.
    pub(crate) fn changed_frame(&mut self, picture: Picture) -> Option<Arc<RgbImage>> {
        if self.delivered.as_ref() == Some(&picture) {
            return None;
        }
        let frame = self.frame(&picture);
        self.delivered = Some(picture);
        Some(frame)
    }

    /// The most recently drawn frame, if any.
    pub(crate) fn last_frame(&self) -> Option<Arc<RgbImage>> {
        self.cached.as_ref().map(|(_, frame)| Arc::clone(frame))
    }

    /// The frame for `picture`, drawn only if it differs from the cached one.
    pub(crate) fn frame(&mut self, picture: &Picture) -> Arc<RgbImage> {
        if let Some((cached_picture, frame)) = &self.cached
            && cached_picture == picture
        {
            return Arc::clone(frame);
        }
        let frame = Arc::new(self.draw(picture));
        self.cached = Some((picture.clone(), Arc::clone(&frame)));
        frame
    }

    fn draw(&mut self, picture: &Picture) -> RgbImage {
        match picture {
            Picture::Black => RgbImage::new(WIDTH, HEIGHT),
            Picture::Boot { step } => overlay::draw_boot(*step),
            Picture::Live {
                channel,
                frame_index,
                overlays,
            } => {
                let mut image = self.video.frame(*channel, *frame_index);
                draw_overlays(&mut image, overlays);
                image
            }
            Picture::Menu { nav, overlays } => {
                let mut image = match &self.menu_base {
                    Some((base_nav, base)) if base_nav == nav => base.clone(),
                    _ => {
                        let base = screens::draw_menu_screen(nav);
                        self.menu_base = Some((nav.clone(), base.clone()));
                        base
                    }
                };
                draw_overlays(&mut image, overlays);
                image
            }
        }
    }
}

fn draw_overlays(image: &mut RgbImage, overlays: &Overlays) {
    if let Some(channel) = overlays.banner {
        overlay::draw_channel_banner(image, channel);
    }
    if let Some(digits) = &overlays.digits {
        overlay::draw_channel_entry(image, digits);
    }
    if let Some((volume, muted)) = overlays.volume {
        overlay::draw_volume_osd(image, volume, muted);
    }
}
